// Parse(): Dockerfile text to the raw AST, following BuildKit's
// frontend/dockerfile/parser. The file grammar finds logical lines; each one
// is split by the line grammars according to its instruction's kind.
#include <algorithm>
#include <map>
#include <optional>

#include <tao/pegtl.hpp>

#include "parser/ast.h"
#include "parser/go_quote.h"
#include "parser/grammar.h"
#include "parser/parse_actions.h"
#include "parser/run_heredoc.h"
#include "store/base/error.h"
#include "store/base/nearest_word.h"
#include "store/base/strings.h"

namespace ubuild::parser {
namespace detail {
namespace {

// How an instruction's arguments are read (BuildKit's dispatch table).
enum class ArgsKind {
  kMaybeJson,      // RUN CMD ENTRYPOINT SHELL: exec form, else the text as one argument
  kMaybeJsonList,  // ADD COPY VOLUME: exec form, else whitespace fields
  kFields,         // FROM EXPOSE: whitespace fields
  kWords,          // ARG: words, quotes kept
  kNameValue,      // ENV LABEL: key/value/separator triples
  kString,         // MAINTAINER USER WORKDIR STOPSIGNAL: the text
  kHealthcheck,    // HEALTHCHECK: type word, then maybe-JSON
  kSubCommand,     // ONBUILD: a nested instruction
};

const std::map<std::string, ArgsKind>& Kinds() {
  static const std::map<std::string, ArgsKind> kinds = {
      {"add", ArgsKind::kMaybeJsonList},  {"arg", ArgsKind::kWords},
      {"cmd", ArgsKind::kMaybeJson},      {"copy", ArgsKind::kMaybeJsonList},
      {"entrypoint", ArgsKind::kMaybeJson}, {"env", ArgsKind::kNameValue},
      {"expose", ArgsKind::kFields},      {"from", ArgsKind::kFields},
      {"healthcheck", ArgsKind::kHealthcheck}, {"label", ArgsKind::kNameValue},
      {"maintainer", ArgsKind::kString},  {"onbuild", ArgsKind::kSubCommand},
      {"run", ArgsKind::kMaybeJson},      {"shell", ArgsKind::kMaybeJson},
      {"stopsignal", ArgsKind::kString},  {"user", ArgsKind::kString},
      {"volume", ArgsKind::kMaybeJsonList}, {"workdir", ArgsKind::kString},
  };
  return kinds;
}

template <typename Rule, template <typename...> class Action, typename State>
bool ParseText(std::string_view text, State& state) {
  pegtl::memory_input<pegtl::tracking_mode::lazy> in(text.data(), text.size(), "line");
  return pegtl::parse<Rule, Action>(in, state);
}

template <char E>
std::vector<std::string> Words(std::string_view text) {
  WordsState st;
  ParseText<g::words<E>, WordsAction>(text, st);  // accepts any text
  return st.words;
}

std::vector<std::string> Words(std::string_view text, char escape) {
  return escape == '`' ? Words<'`'>(text) : Words<'\\'>(text);
}

std::vector<std::string> Fields(std::string_view text) {
  WordsState st;
  ParseText<g::fields, WordsAction>(text, st);
  return st.words;
}

struct Located {
  const std::string& filename;
  int line;
  [[noreturn]] void Fail(const std::string& what) const { throw Error::At(filename, line, what); }
};

// True and the string elements when `text` is a JSON array. A valid array
// holding anything but strings is an error, not shell form (as in BuildKit).
bool JsonArray(std::string_view text, std::vector<std::string>& out, const Located& at) {
  if (text.empty() || text.front() != '[') return false;
  JsonState st;
  if (!ParseText<g::json::top_array, JsonAction>(text, st)) return false;
  if (st.non_string) at.Fail("when using JSON array syntax, arrays must be comprised of strings only");
  out = std::move(st.elements);
  return true;
}

void MaybeJson(std::string_view text, Node& node, const Located& at) {
  if (text.empty()) return;
  std::vector<std::string> elements;
  if (JsonArray(text, elements, at)) {
    node.json_form = true;
    node.args.insert(node.args.end(), elements.begin(), elements.end());
  } else {
    node.args.emplace_back(text);
  }
}

void NameValue(std::string_view text, const std::string& keyword_upper, char escape, Node& node,
               const Located& at) {
  const std::vector<std::string> words = Words(text, escape);
  if (words.empty()) return;
  if (words.front().find('=') == std::string::npos) {
    // Legacy "KEY value with spaces".
    WordsState st;
    if (!ParseText<g::legacy_pair, WordsAction>(text, st)) at.Fail(keyword_upper + " must have two arguments");
    node.args = {st.words[0], st.words[1], ""};
    return;
  }
  for (const std::string& word : words) {
    const size_t eq = word.find('=');
    if (eq == std::string::npos) {
      at.Fail("Syntax error - can't find = in " + GoQuote(word) + ". Must be of the form: name=value");
    }
    node.args.push_back(word.substr(0, eq));
    node.args.push_back(word.substr(eq + 1));
    node.args.emplace_back("=");
  }
}

}  // namespace

Node ParseInstructionLine(std::string_view line, char escape, const std::string& filename, int line_no,
                          bool nested) {
  const Located at{filename, line_no};
  HeadState head;
  if (!ParseText<g::instruction_head, HeadAction>(line, head)) {
    at.Fail("expected an instruction");  // only blank text gets here
  }
  Node node;
  node.keyword = AsciiLower(head.keyword);
  node.flags = std::move(head.flags);
  node.original = std::string(line);
  node.start_line = node.end_line = line_no;

  const auto kind = Kinds().find(node.keyword);
  if (kind == Kinds().end()) {
    // BuildKit's wording: "unknown instruction: FORM (did you mean FROM?)".
    std::vector<std::string> keywords;
    for (const auto& [k, _] : Kinds()) keywords.push_back(AsciiUpper(k));
    std::vector<std::string> nearest = NearestWords(head.keyword, keywords);
    at.Fail("unknown instruction: " + head.keyword + (nearest.empty() ? "" : " (did you mean " + nearest[0] + "?)"));
  }
  const std::string& args = head.args;
  switch (kind->second) {
    case ArgsKind::kMaybeJson:
      MaybeJson(args, node, at);
      break;
    case ArgsKind::kMaybeJsonList:
      if (!JsonArray(args, node.args, at)) {
        node.args = Fields(args);
      } else {
        node.json_form = true;
      }
      break;
    case ArgsKind::kFields:
      node.args = Fields(args);
      break;
    case ArgsKind::kWords:
      node.args = Words(args, escape);
      break;
    case ArgsKind::kNameValue:
      NameValue(args, node.keyword == "env" ? "ENV" : "LABEL", escape, node, at);
      break;
    case ArgsKind::kString:
      if (!args.empty()) node.args.push_back(args);
      break;
    case ArgsKind::kHealthcheck:
      if (!args.empty()) {
        WordsState st;
        ParseText<g::healthcheck_args, WordsAction>(args, st);  // non-empty args always match
        node.args.push_back(st.words.at(0));
        MaybeJson(st.words.at(1), node, at);
      }
      break;
    case ArgsKind::kSubCommand:
      // Which triggers are allowed is ONBUILD's rule, in instructions.cpp.
      // Here only the depth is bounded: a trigger's own ONBUILD (which that
      // rule rejects) keeps its text unparsed, so the recursion stops.
      if (nested) {
        if (!args.empty()) node.args.emplace_back(args);
      } else if (!args.empty()) {
        node.inner = std::make_unique<Node>(ParseInstructionLine(args, escape, filename, line_no, true));
      }
      break;
  }
  return node;
}

bool CanContainHeredoc(const Node& node) {
  const Node& target = (node.keyword == "onbuild" && node.inner) ? *node.inner : node;
  if (target.keyword != "run" && target.keyword != "copy" && target.keyword != "add") return false;
  return !target.json_form;
}

namespace {

// A heredoc from its marker parts, or nothing when the delimiter is empty.
std::optional<Heredoc> MakeHeredoc(std::string_view delimiter, bool chomp) {
  HeredocNameState st;
  ParseText<g::heredoc_name, HeredocNameAction>(delimiter, st);  // accepts any text
  if (st.name.empty()) return std::nullopt;
  const auto quotes = [](const std::string& s) { return std::count(s.begin(), s.end(), '\'') + std::count(s.begin(), s.end(), '"'); };
  Heredoc doc;
  doc.name = st.name;
  doc.chomp = chomp;
  doc.expand = quotes(st.name) == quotes(st.raw);
  return doc;
}

}  // namespace

std::vector<Heredoc> HeredocsFromLine(std::string_view line) {
  WordsState words;
  // An unterminated quote anywhere on the line: BuildKit finds no heredocs.
  if (!ParseText<g::sh_words, WordsAction>(line, words)) return {};
  std::vector<Heredoc> docs;
  const std::vector<std::string>& w = words.words;
  for (size_t i = 0; i < w.size(); ++i) {
    HeredocMarkerState marker;
    std::string_view delimiter;
    if (i + 1 < w.size() && ParseText<g::heredoc_bare_marker, HeredocMarkerAction>(w[i], marker)) {
      delimiter = w[++i];  // "<< EOF"
    } else if (ParseText<g::heredoc_marker, HeredocMarkerAction>(w[i], marker) && !marker.rest.empty()) {
      delimiter = marker.rest;
    } else {
      continue;
    }
    if (auto doc = MakeHeredoc(delimiter, marker.chomp)) docs.push_back(std::move(*doc));
  }
  return docs;
}

}  // namespace detail

// BuildKit's regexp ^(\d*)<<(-?)([^<]*)$ over the whole command, whose
// delimiter part must be one shell word: `<<EOF` and `<< "EOF"` are lone,
// `<<EOF bash` is not.
bool IsLoneHeredoc(std::string_view command_line) {
  using namespace detail;
  HeredocMarkerState marker;
  if (!ParseText<g::heredoc_marker, HeredocMarkerAction>(command_line, marker)) return false;
  WordsState words;
  return ParseText<g::sh_words, WordsAction>(marker.rest, words) && words.words.size() == 1;
}

namespace detail {
namespace {

template <char E>
void ParseFile(std::string_view text, FileState& st) {
  pegtl::memory_input<> in(text.data(), text.size(), st.filename);
  if (!pegtl::parse<g::file<E>, FileAction>(in, st)) {
    throw Error::At(st.filename, static_cast<int>(in.position().line), "syntax error");
  }
}

}  // namespace
}  // namespace detail

Ast Parse(const std::string& text, const std::string& filename) {
  namespace d = detail;
  namespace pegtl = tao::pegtl;
  Ast ast;
  ast.filename = filename;
  try {
    // The escape directive decides which grammar reads the rest, so read the
    // directives first.
    d::FileState probe;
    probe.filename = filename;
    {
      pegtl::memory_input<> in(text.data(), text.size(), filename);
      pegtl::parse<d::g::directive_prefix, d::FileAction>(in, probe);
    }
    d::FileState st;
    st.filename = filename;
    st.ast = &ast;
    if (probe.escape == '`') {
      d::ParseFile<'`'>(text, st);
    } else {
      d::ParseFile<'\\'>(text, st);
    }
  } catch (const pegtl::parse_error& e) {
    const auto& pos = e.positions().front();
    throw Error::At(filename, static_cast<int>(pos.line), std::string(e.message()));
  }
  if (ast.nodes.empty()) {
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                      (!text.empty() && text.back() != '\n' ? 1 : 0);
    throw Error::At(filename, std::max(lines, 1), "file with no instructions");
  }
  return ast;
}

}  // namespace ubuild::parser
