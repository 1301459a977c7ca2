// Shell-word expansion with the semantics of BuildKit's shell.Lex, which both
// Docker's classic builder and BuildKit use for Dockerfile words. It is a
// small recursive-descent scanner: `${A:-$B}` nests, quotes are removed,
// and the words of ExpandWords are split after expansion (an unquoted $VAR
// holding spaces becomes several words, a quoted one stays one).
#include "parser/word_expansion.h"

#include <map>

#include "parser/go_quote.h"
#include "parser/shell_pattern.h"
#include "store/base/error.h"
#include "store/base/go_utf8.h"

namespace ubuild::parser {
namespace {

constexpr int kEof = -1;

bool IsSpace(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'; }
bool IsDigit(int ch) { return ch >= '0' && ch <= '9'; }
bool IsNameChar(int ch) {
  return IsDigit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}
// POSIX special parameters ($@, $*, $#, $?, $-, $$, $!, $0) are names of
// their own: never set in a Dockerfile, so they expand to empty.
bool IsSpecialParam(int ch) {
  switch (ch) {
    case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
      return true;
    default:
      return false;
  }
}

// Accumulates the split words next to the joined result: characters coming
// from variable values and plain text split on whitespace, quoted text and
// escaped characters never do.
class WordList {
 public:
  void AddChar(char ch) {
    if (IsSpace(static_cast<unsigned char>(ch))) {
      if (in_word_ && !word_.empty()) {
        words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
      }
    } else {
      AddRawChar(ch);
    }
  }
  void AddRawChar(char ch) {
    word_ += ch;
    in_word_ = true;
  }
  void AddString(const std::string& s) {
    for (char ch : s) AddChar(ch);
  }
  void AddRawString(const std::string& s) {
    word_ += s;
    in_word_ = true;
  }
  std::vector<std::string> Take() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    word_.clear();
    in_word_ = false;
    return std::move(words_);
  }

 private:
  std::string word_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

struct Options {
  char escape = '\\';
  bool process_quotes = true;  // false for heredoc bodies: quotes are data
};

class Lexer {
 public:
  Lexer(std::string_view text, const VarLookup& vars, Options options)
      : text_(text), vars_(vars), opt_(options), max_size_(text.size() + kMaxExpansionGrowth) {}

  // Processes everything up to `stop` (consumed) or the end of the text.
  // `raw_escapes` keeps escape characters in the output, which the pattern
  // operators need to tell an escaped `*` from a wildcard.
  std::string ProcessUntil(int stop, bool raw_escapes, std::vector<std::string>* words) {
    std::string result;
    WordList list;
    while (Peek() != kEof) {
      int ch = Peek();
      if (stop != kEof && ch == stop) {
        Next();
        if (words) *words = list.Take();
        return result;
      }
      if (ch == '$') {
        std::string value = ProcessDollar();
        Append(result, value);
        list.AddString(value);
      } else if (opt_.process_quotes && ch == '\'') {
        std::string value = ProcessSingleQuote();
        Append(result, value);
        list.AddRawString(value);
      } else if (opt_.process_quotes && ch == '"') {
        std::string value = ProcessDoubleQuote();
        Append(result, value);
        list.AddRawString(value);
      } else {
        Next();
        if (ch == static_cast<unsigned char>(opt_.escape)) {
          if (raw_escapes) {
            list.AddRawChar(static_cast<char>(ch));
            result += static_cast<char>(ch);
          }
          ch = Next();
          if (ch == kEof) break;  // a trailing escape character vanishes
          list.AddRawChar(static_cast<char>(ch));
        } else {
          list.AddChar(static_cast<char>(ch));
        }
        result += static_cast<char>(ch);
      }
    }
    if (stop != kEof) {
      throw Error("unexpected end of statement while looking for matching " + std::string(1, char(stop)));
    }
    if (words) *words = list.Take();
    return result;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

 private:
  // Every piece a variable can make large goes through here.
  void Append(std::string& result, const std::string& piece) const {
    if (result.size() + piece.size() > max_size_) {
      throw Error("the expansion adds more than " + std::to_string(kMaxExpansionGrowth >> 20) +
                  " MiB to the word");
    }
    result += piece;
  }

  int Peek() const { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : kEof; }
  int Next() { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_++]) : kEof; }

  std::string ProcessSingleQuote() {
    Next();
    std::string result;
    for (;;) {
      int ch = Next();
      if (ch == kEof) throw Error("unexpected end of statement while looking for matching single-quote");
      if (ch == '\'') return result;
      result += static_cast<char>(ch);
    }
  }

  // Inside double quotes the escape character only escapes `"`, `$` and
  // itself; anywhere else it is kept, as sh does.
  std::string ProcessDoubleQuote() {
    Next();
    std::string result;
    for (;;) {
      int ch = Peek();
      if (ch == kEof) throw Error("unexpected end of statement while looking for matching double-quote");
      if (ch == '"') {
        Next();
        return result;
      }
      if (ch == '$') {
        Append(result, ProcessDollar());
        continue;
      }
      Next();
      if (ch == static_cast<unsigned char>(opt_.escape)) {
        int after = Peek();
        if (after == kEof) continue;
        if (after == '"' || after == '$' || after == static_cast<unsigned char>(opt_.escape)) ch = Next();
      }
      result += static_cast<char>(ch);
    }
  }

  std::string ProcessName() {
    std::string name;
    if (Peek() != kEof && IsDigit(Peek())) {
      while (Peek() != kEof && IsDigit(Peek())) name += static_cast<char>(Next());
      return name;
    }
    if (Peek() != kEof && IsSpecialParam(Peek())) return std::string(1, static_cast<char>(Next()));
    while (Peek() != kEof && IsNameChar(Peek())) name += static_cast<char>(Next());
    return name;
  }

  std::optional<std::string> Lookup(const std::string& name) const {
    if (!vars_) return std::nullopt;
    return vars_(name);
  }

  // Nesting (${A:-${B:-...}}) recurses; a bound keeps hostile input from
  // exhausting the stack.
  static constexpr int kMaxDepth = 256;

  std::string ProcessDollar() {
    if (++depth_ > kMaxDepth) throw Error("syntax error: substitutions nested too deeply");
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    Next();  // '$'
    if (Peek() != '{') {
      std::string name = ProcessName();
      if (name.empty()) return "$";
      return Lookup(name).value_or("");
    }
    Next();  // '{'
    int first = Peek();
    if (first == kEof) throw Error("syntax error: missing '}'");
    if (first == '{' || first == '}' || first == ':') throw Error("syntax error: bad substitution");

    std::string name = ProcessName();
    int op = Next();
    if (op == kEof) throw Error("syntax error: missing '}'");
    if (op == '}') return Lookup(name).value_or("");

    std::string modifier(1, static_cast<char>(op));
    if (op == ':' || op == '+' || op == '-' || op == '?' || op == '#' || op == '%') {
      bool null_is_unset = false;
      if (op == ':') {
        null_is_unset = true;
        op = Next();
        if (op == kEof) throw Error("syntax error: missing '}'");
        modifier += static_cast<char>(op);
      }
      std::string word = ProcessOperand('}', /*raw_escapes=*/op == '#' || op == '%', "syntax error: missing '}'");
      std::optional<std::string> value = Lookup(name);
      bool empty_or_unset = !value || (null_is_unset && value->empty());
      switch (op) {
        case '-':
          return empty_or_unset ? word : *value;
        case '+':
          return empty_or_unset ? std::string() : word;
        case '?':
          if (!value) throw Error(name + ": " + (word.empty() ? "is not allowed to be unset" : word));
          if (null_is_unset && value->empty())
            throw Error(name + ": " + (word.empty() ? "is not allowed to be empty" : word));
          return *value;
        case '#':
        case '%': {
          bool longest = !word.empty() && word[0] == static_cast<char>(op);
          if (longest) word.erase(0, 1);
          ShellPattern pattern(word);
          const std::string subject = value.value_or("");
          return op == '#' ? pattern.TrimPrefix(subject, longest) : pattern.TrimSuffix(subject, longest);
        }
        default:
          throw Error("unsupported modifier (" + modifier + ") in substitution");
      }
    }
    if (op == '/') {
      bool replace_all = Peek() == '/';
      if (replace_all) Next();
      std::string pattern = ProcessOperand('/', true, "syntax error: missing '/' in ${}");
      std::string replacement = ProcessOperand('}', true, "syntax error: missing '}'");
      ShellPattern compiled(pattern);
      return compiled.Replace(Lookup(name).value_or(""), replacement, replace_all, max_size_);
    }
    throw Error("unsupported modifier (" + modifier + ") in substitution");
  }

  // The operand of ${NAME<op>...}: running off the end of the text is
  // reported as the missing terminator, like BuildKit does.
  std::string ProcessOperand(int stop, bool raw_escapes, const char* missing_message) {
    try {
      return ProcessUntil(stop, raw_escapes, nullptr);
    } catch (const Error&) {
      if (AtEnd()) throw Error(missing_message);
      throw;
    }
  }

  std::string_view text_;
  const VarLookup& vars_;
  Options opt_;
  size_t max_size_;
  size_t pos_ = 0;
  int depth_ = 0;
};

std::string Process(std::string_view raw, const VarLookup& vars, Options options,
                    std::vector<std::string>* words) {
  // BuildKit's lexer reads the word as runes (text/scanner): each invalid
  // byte of it becomes U+FFFD, while variable values go in as they are.
  const std::string text = ToValidUtf8(raw);
  Lexer lexer(text, vars, options);
  try {
    return lexer.ProcessUntil(kEof, false, words);
  } catch (const Error& e) {
    throw Error("failed to process " + GoQuote(text) + ": " + e.what());
  }
}

}  // namespace

void ExpansionBudget::Charge(size_t before, size_t after) {
  if (after <= before) return;
  spent_ += after - before;
  if (spent_ > kTotal) {
    throw Error("expansions add more than " + std::to_string(kTotal >> 20) +
                " MiB to this Dockerfile's words in total");
  }
}

std::string ExpandWord(std::string_view word, const VarLookup& vars, char escape) {
  return Process(word, vars, Options{escape, true}, nullptr);
}

std::vector<std::string> ExpandWords(std::string_view text, const VarLookup& vars, char escape) {
  std::vector<std::string> words;
  Process(text, vars, Options{escape, true}, &words);
  return words;
}

std::string ExpandHeredoc(std::string_view body, const VarLookup& vars) {
  return Process(body, vars, Options{'\\', false}, nullptr);
}

VarLookup LookupFromEnv(const std::vector<std::string>& env) {
  std::map<std::string, std::string, std::less<>> values;
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      values[entry] = "";
    } else {
      values[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace ubuild::parser
