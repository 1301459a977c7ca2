// Go text/template's lexer and parser for the subset of go_template_syntax.h.
// The lexer cuts text from actions ({{ }}, with the {{- -}} trim markers
// and {{/* comments */}}) and an action into tokens; the parser builds the
// node list, nesting if/range/with bodies up to their {{end}}.
#include <cctype>

#include "builder/cli/go_template_syntax.h"
#include "store/base/error.h"

namespace ubuild::cli::go_template {

namespace {

struct Token {
  enum class Kind { kDot, kField, kVariable, kIdent, kString, kNumber, kPipe, kLParen, kRParen, kDeclare, kAssign, kComma };
  Kind kind;
  std::string text;     // field name without '.', variable with '$', decoded string, identifier
  bool joined = false;  // written right after the previous token: $x.A, (…).A, .A.B
  size_t offset = 0;    // in the template, for columns and source text
  size_t end = 0;       // just past the token
};

[[noreturn]] void Fail(int line, const std::string& what) {
  throw Error("template: :" + std::to_string(line) + ": " + what);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }

// The tokens of one action's inside, [begin, end) of the template.
class ActionLexer {
 public:
  ActionLexer(std::string_view text, size_t begin, size_t end, int line) : s_(text), pos_(begin), end_(end), line_(line) {}

  std::vector<Token> Tokens() {
    std::vector<Token> out;
    bool space = true;
    while (pos_ < end_) {
      const char c = s_[pos_];
      if (IsSpace(c)) {
        space = true;
        ++pos_;
        continue;
      }
      Token t{Token::Kind::kIdent, "", !space, pos_};
      space = false;
      if (c == '.' && (pos_ + 1 >= end_ || !IsWordChar(s_[pos_ + 1]))) {
        t.kind = Token::Kind::kDot;
        ++pos_;
      } else if (c == '.') {
        t.kind = Token::Kind::kField;
        t.text = Word(pos_ + 1);
      } else if (c == '$') {
        t.kind = Token::Kind::kVariable;
        t.text = "$" + Word(pos_ + 1);
      } else if (c == '"') {
        t.kind = Token::Kind::kString;
        t.text = Quoted();
      } else if (c == '`') {
        t.kind = Token::Kind::kString;
        t.text = Raw();
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && pos_ + 1 < end_ && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
        t.kind = Token::Kind::kNumber;
        size_t start = pos_++;
        while (pos_ < end_ && (IsWordChar(s_[pos_]) || s_[pos_] == '.' ||
                               ((s_[pos_] == '-' || s_[pos_] == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')))) {
          ++pos_;
        }
        t.text = std::string(s_.substr(start, pos_ - start));
      } else if (c == '|') {
        t.kind = Token::Kind::kPipe;
        ++pos_;
      } else if (c == '(') {
        t.kind = Token::Kind::kLParen;
        ++pos_;
      } else if (c == ')') {
        t.kind = Token::Kind::kRParen;
        ++pos_;
      } else if (c == ',') {
        t.kind = Token::Kind::kComma;
        ++pos_;
      } else if (c == ':' && pos_ + 1 < end_ && s_[pos_ + 1] == '=') {
        t.kind = Token::Kind::kDeclare;
        pos_ += 2;
      } else if (c == '=') {
        t.kind = Token::Kind::kAssign;
        ++pos_;
      } else if (IsWordChar(c)) {
        t.text = Word(pos_);
      } else if (c == '\'') {
        Fail(line_, "character constants ('x') are not supported by ubuild's templates");
      } else {
        Fail(line_, "unexpected \"" + std::string(1, c) + "\" in command");
      }
      t.end = pos_;
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  std::string Word(size_t from) {
    pos_ = from;
    while (pos_ < end_ && IsWordChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(from, pos_ - from));
  }

  // A Go interpreted string literal: the escapes Go's strconv.Unquote takes
  // that format strings use.
  std::string Quoted() {
    std::string out;
    for (++pos_; pos_ < end_; ++pos_) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\n') break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++pos_ >= end_) break;
      switch (s_[pos_]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case '\'': out += '\''; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'x': {
          if (pos_ + 2 >= end_ || !std::isxdigit(static_cast<unsigned char>(s_[pos_ + 1])) ||
              !std::isxdigit(static_cast<unsigned char>(s_[pos_ + 2]))) {
            Fail(line_, "invalid syntax in string escape");
          }
          out += static_cast<char>(std::stoi(std::string(s_.substr(pos_ + 1, 2)), nullptr, 16));
          pos_ += 2;
          break;
        }
        default: Fail(line_, "invalid syntax: unknown escape \\" + std::string(1, s_[pos_]));
      }
    }
    Fail(line_, "unterminated quoted string");
  }

  std::string Raw() {
    const size_t close = s_.find('`', pos_ + 1);
    if (close == std::string_view::npos || close >= end_) Fail(line_, "unterminated raw quoted string");
    std::string out(s_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    return out;
  }

  std::string_view s_;
  size_t pos_, end_;
  int line_;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::vector<Node> Document() {
    std::vector<Node> nodes;
    std::string stop = List(&nodes, false);
    if (!stop.empty()) Fail(line_, "unexpected {{" + stop + "}}");
    return nodes;
  }

 private:
  int LineAt(size_t offset) const {
    int line = 1;
    for (size_t i = 0; i < offset && i < s_.size(); ++i) line += s_[i] == '\n';
    return line;
  }

  // Nodes up to the end of the text or an {{else…}} / {{end}}, whose word
  // (with the rest of an "else if" action kept in pending_) is returned;
  // trim_next: the action before ended in "-}}".
  std::string List(std::vector<Node>* nodes, bool trim_next) {
    while (pos_ < s_.size()) {
      size_t open = s_.find("{{", pos_);
      std::string_view text = s_.substr(pos_, open == std::string_view::npos ? std::string_view::npos : open - pos_);
      if (trim_next) {
        while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
      }
      trim_next = false;
      if (open == std::string_view::npos) {
        AddText(nodes, text);
        pos_ = s_.size();
        break;
      }
      size_t inner = open + 2;
      if (inner + 1 < s_.size() && s_[inner] == '-' && IsSpace(s_[inner + 1])) {
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
        inner += 2;
      }
      AddText(nodes, text);
      line_ = LineAt(open);
      size_t close = FindClose(inner);
      size_t inner_end = close;
      if (close >= 2 && s_[close - 1] == '-' && close - 1 > inner && IsSpace(s_[close - 2])) {
        inner_end = close - 1;
        trim_next = true;
      }
      pos_ = close + 2;
      std::string_view body = s_.substr(inner, inner_end - inner);
      size_t lead = 0;
      while (lead < body.size() && IsSpace(body[lead])) ++lead;
      if (body.substr(lead).starts_with("/*")) {
        std::string_view rest = body.substr(lead);
        while (!rest.empty() && IsSpace(rest.back())) rest.remove_suffix(1);
        if (!rest.ends_with("*/")) Fail(line_, "unclosed comment");
        continue;
      }
      std::vector<Token> tokens = ActionLexer(s_, inner, inner_end, line_).Tokens();
      if (tokens.empty()) Fail(line_, "missing value for command");
      if (tokens[0].kind == Token::Kind::kIdent) {
        const std::string& word = tokens[0].text;
        if (word == "end" || word == "else") {
          if (word == "end" && tokens.size() > 1) Fail(line_, "unexpected " + Quote(tokens[1]) + " in end");
          pending_.assign(tokens.begin() + 1, tokens.end());
          trim_after_stop_ = trim_next;
          return word;
        }
        if (word == "if" || word == "range" || word == "with") {
          nodes->push_back(Control(word, std::vector<Token>(tokens.begin() + 1, tokens.end()), trim_next));
          trim_next = trim_after_stop_;
          continue;
        }
        if (word == "define" || word == "template" || word == "block" || word == "break" || word == "continue") {
          Fail(line_, "{{" + word + "}} is not supported by ubuild's templates (README: Output formats)");
        }
      }
      Node n;
      n.kind = Node::Kind::kAction;
      n.line = line_;
      size_t at = 0;
      n.pipeline = ParsePipeline(tokens, &at, "command", false);
      nodes->push_back(std::move(n));
    }
    return "";
  }

  // if/range/with: its pipeline, then the body up to {{else}}, {{else if …}}
  // (an if nested in the else branch, as Go builds it) or {{end}}.
  Node Control(const std::string& word, const std::vector<Token>& tokens, bool trim_next) {
    Node n;
    n.kind = word == "if" ? Node::Kind::kIf : word == "range" ? Node::Kind::kRange : Node::Kind::kWith;
    n.line = line_;
    size_t at = 0;
    n.pipeline = ParsePipeline(tokens, &at, word, word == "range");
    if (n.pipeline.commands.empty()) Fail(line_, "missing value for " + word);
    std::string stop = List(&n.body, trim_next);
    if (stop.empty()) Fail(line_, "unexpected EOF");
    if (stop == "else") {
      if (!pending_.empty()) {
        if (pending_[0].kind != Token::Kind::kIdent || pending_[0].text != "if" || n.kind != Node::Kind::kIf) {
          Fail(line_, "expected end; found " + Quote(pending_[0]));
        }
        // {{else if X}}…{{end}} is {{else}}{{if X}}…{{end}}{{end}}: one {{end}} closes both.
        std::vector<Token> rest(pending_.begin() + 1, pending_.end());
        pending_.clear();
        n.else_body.push_back(Control("if", rest, trim_after_stop_));
        return n;
      }
      stop = List(&n.else_body, trim_after_stop_);
      if (stop != "end") Fail(line_, stop.empty() ? "unexpected EOF" : "expected end; found {{else}}");
    }
    return n;
  }

  size_t FindClose(size_t from) {
    // A "}}" inside a string literal does not end the action.
    char quote = 0;
    for (size_t i = from; i + 1 < s_.size(); ++i) {
      char c = s_[i];
      if (quote) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if (c == '"' || c == '`') {
        quote = c;
      } else if (c == '}' && s_[i + 1] == '}') {
        return i;
      }
    }
    Fail(line_, "unclosed action");
  }

  static void AddText(std::vector<Node>* nodes, std::string_view text) {
    if (text.empty()) return;
    Node n;
    n.kind = Node::Kind::kText;
    n.text = std::string(text);
    nodes->push_back(std::move(n));
  }

  static std::string Quote(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kPipe: return "\"|\"";
      case Token::Kind::kLParen: return "\"(\"";
      case Token::Kind::kRParen: return "\")\"";
      case Token::Kind::kComma: return "\",\"";
      case Token::Kind::kDeclare: return "\":=\"";
      case Token::Kind::kAssign: return "\"=\"";
      case Token::Kind::kField: return "<." + t.text + ">";
      case Token::Kind::kDot: return "<.>";
      default: return "<" + t.text + ">";
    }
  }

  Pipeline ParsePipeline(const std::vector<Token>& t, size_t* at, const std::string& context, bool range) {
    Pipeline p;
    size_t i = *at;
    auto is = [&](size_t k, Token::Kind kind) { return k < t.size() && t[k].kind == kind; };
    if (is(i, Token::Kind::kVariable) && (is(i + 1, Token::Kind::kDeclare) || is(i + 1, Token::Kind::kAssign))) {
      p.declared.push_back(t[i].text.substr(1));
      p.assign = t[i + 1].kind == Token::Kind::kAssign;
      i += 2;
    } else if (range && is(i, Token::Kind::kVariable) && is(i + 1, Token::Kind::kComma) && is(i + 2, Token::Kind::kVariable) &&
               is(i + 3, Token::Kind::kDeclare)) {
      p.declared = {t[i].text.substr(1), t[i + 2].text.substr(1)};
      i += 4;
    }
    for (;;) {
      Command c;
      c.line = line_;
      size_t first = i;
      while (i < t.size() && t[i].kind != Token::Kind::kPipe && t[i].kind != Token::Kind::kRParen) {
        c.operands.push_back(ParseOperand(t, &i));
      }
      if (c.operands.empty()) {
        if (p.commands.empty() && i >= t.size()) break;  // {{if}} etc. report the missing value
        Fail(line_, "missing value for " + context);
      }
      size_t from = t[first].offset, to = t[i - 1].end;
      c.column = static_cast<int>(from - (s_.rfind('\n', from) == std::string_view::npos ? 0 : s_.rfind('\n', from) + 1));
      c.source = std::string(s_.substr(from, to - from));
      while (!c.source.empty() && IsSpace(c.source.back())) c.source.pop_back();
      p.commands.push_back(std::move(c));
      if (is(i, Token::Kind::kPipe)) {
        ++i;
        continue;
      }
      break;
    }
    if (!p.declared.empty() && p.commands.empty()) Fail(line_, "missing value for " + context);
    *at = i;
    if (*at < t.size() && context != "parenthesized pipeline") Fail(line_, "unexpected " + Quote(t[*at]) + " in " + context);
    return p;
  }

  Operand ParseOperand(const std::vector<Token>& t, size_t* at) {
    const Token& tok = t[*at];
    Operand o;
    ++*at;
    switch (tok.kind) {
      case Token::Kind::kDot: o.kind = Operand::Kind::kDot; break;
      case Token::Kind::kField:
        o.kind = Operand::Kind::kField;
        o.fields.push_back(tok.text);
        break;
      case Token::Kind::kVariable:
        o.kind = Operand::Kind::kVariable;
        o.text = tok.text;
        break;
      case Token::Kind::kString:
        o.kind = Operand::Kind::kString;
        o.text = tok.text;
        break;
      case Token::Kind::kNumber:
        o.kind = Operand::Kind::kNumber;
        o.text = tok.text;
        break;
      case Token::Kind::kIdent:
        if (tok.text == "true" || tok.text == "false") {
          o.kind = Operand::Kind::kBool;
          o.boolean = tok.text == "true";
        } else if (tok.text == "nil") {
          o.kind = Operand::Kind::kNil;
        } else {
          o.kind = Operand::Kind::kFunction;
          o.text = tok.text;
        }
        break;
      case Token::Kind::kLParen: {
        auto p = std::make_shared<Pipeline>(ParsePipeline(t, at, "parenthesized pipeline", false));
        if (*at >= t.size() || t[*at].kind != Token::Kind::kRParen) Fail(line_, "unclosed left paren");
        ++*at;
        if (p->commands.empty()) Fail(line_, "missing value for parenthesized pipeline");
        o.kind = Operand::Kind::kPipeline;
        o.pipeline = std::move(p);
        break;
      }
      default: Fail(line_, "unexpected " + Quote(tok) + " in operand");
    }
    while (*at < t.size() && t[*at].kind == Token::Kind::kField && t[*at].joined) {
      if (o.kind == Operand::Kind::kFunction || o.kind == Operand::Kind::kString || o.kind == Operand::Kind::kNumber ||
          o.kind == Operand::Kind::kBool || o.kind == Operand::Kind::kNil) {
        Fail(line_, "unexpected . after term " + Quote(tok));
      }
      o.fields.push_back(t[(*at)++].text);
    }
    return o;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> pending_;  // the rest of an {{else …}} action
  bool trim_after_stop_ = false;
};

}  // namespace

std::vector<Node> Parse(std::string_view text) { return Parser(text).Document(); }

}  // namespace ubuild::cli::go_template
