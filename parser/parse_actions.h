#pragma once
// PEGTL actions for grammar.h: they fill the parse states below, which
// parse.cpp turns into the raw AST. Private to the parser.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <tao/pegtl.hpp>

#include "parser/ast.h"
#include "parser/go_utf8.h"
#include "parser/grammar.h"
#include "store/base/error.h"

namespace ubuild::parser::detail {

namespace pegtl = tao::pegtl;
namespace g = grammar;

// ---- the file level ---------------------------------------------------------

struct FileState {
  std::string filename;
  Ast* ast = nullptr;
  char escape = '\\';

  // The directive being read.
  std::string directive_name;
  std::string directive_value;
  std::set<std::string> seen_directives;

  // The logical line being read.
  std::string line;
  std::string piece;
  int start_line = 0;
  Node node;
  size_t heredoc_index = 0;

  bool HeredocPending() const { return heredoc_index < node.heredocs.size(); }
  bool IsHeredocTerminator(std::string_view text) const {
    const Heredoc& doc = node.heredocs[heredoc_index];
    while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (doc.chomp) {
      while (!text.empty() && text.front() == '\t') text.remove_prefix(1);
    }
    return text == doc.name;
  }
};

// Implemented in parse.cpp: one logical line to a node, and the heredoc
// markers on it (names only; the bodies follow in the file).
Node ParseInstructionLine(std::string_view line, char escape, const std::string& filename, int line_no,
                          bool nested = false);
std::vector<Heredoc> HeredocsFromLine(std::string_view line);
bool CanContainHeredoc(const Node& node);

// <<- strips leading tabs from every line of the body.
inline std::string StripLeadingTabs(const std::string& content) {
  std::string out;
  out.reserve(content.size());
  bool line_start = true;
  for (char c : content) {
    if (line_start && c == '\t') continue;
    line_start = c == '\n';
    out += c;
  }
  return out;
}

// Go's `=\s*(.+?)\s*$` on the text after '=': trimmed, or its last byte when
// it is all spaces.
inline std::string DirectiveValue(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n'; };
  size_t b = 0, e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  if (b == e) return std::string(text.substr(text.size() - 1));
  return std::string(text.substr(b, e - b));
}

template <typename Rule>
struct FileAction : pegtl::nothing<Rule> {};

template <>
struct FileAction<g::directive_name> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    st.directive_name = in.string();
    for (char& c : st.directive_name) c = static_cast<char>(c | 0x20);  // ASCII letters only
  }
};

template <>
struct FileAction<g::directive_value> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    st.directive_value = DirectiveValue(in.string_view());
  }
};

template <>
struct FileAction<g::directive> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    const int line = static_cast<int>(in.position().line);
    if (!st.seen_directives.insert(st.directive_name).second) {
      throw Error::At(st.filename, line, "only one " + st.directive_name + " parser directive can be used");
    }
    if (st.directive_name == "escape") {
      if (st.directive_value != "`" && st.directive_value != "\\") {
        throw Error::At(st.filename, line,
                        "invalid escape token '" + st.directive_value + "' does not match ` or \\");
      }
      st.escape = st.directive_value[0];
    }
    if (st.ast) {
      st.ast->directives[st.directive_name] = st.directive_value;
      st.ast->escape = st.escape;
    }
  }
};

template <char E>
struct FileAction<g::first_piece<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    st.line = in.string();
    st.start_line = static_cast<int>(in.position().line);
  }
};

template <char E>
struct FileAction<g::piece_text<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    st.piece = in.string();
  }
};

template <char E>
struct FileAction<g::continued_piece<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, FileState& st) {
    st.line += st.piece;
  }
};

template <char E>
struct FileAction<g::final_piece<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, FileState& st) {
    st.line += st.piece;
  }
};

template <char E>
struct FileAction<g::logical_line<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, FileState& st) {
    st.node = ParseInstructionLine(st.line, E, st.filename, st.start_line);
    st.node.start_line = st.start_line;
    if (CanContainHeredoc(st.node) && st.line.find("<<") != std::string::npos) {
      st.node.heredocs = HeredocsFromLine(st.line);
    }
    st.heredoc_index = 0;
  }
};

template <>
struct FileAction<g::heredoc_line> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    st.node.heredocs[st.heredoc_index].content.append(in.begin(), in.end());
  }
};

template <>
struct FileAction<g::heredoc_body> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, FileState& st) {
    Heredoc& doc = st.node.heredocs[st.heredoc_index];
    if (doc.chomp) doc.content = StripLeadingTabs(doc.content);
    ++st.heredoc_index;
  }
};

template <>
struct FileAction<g::heredoc_unterminated> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, FileState& st) {
    throw Error::At(st.filename, st.start_line,
                    "unterminated heredoc: no line \"" + st.node.heredocs[st.heredoc_index].name + "\" ends it");
  }
};

template <char E>
struct FileAction<g::instruction<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, FileState& st) {
    const std::string_view text = in.string_view();
    int newlines = 0;
    for (char c : text) newlines += c == '\n';
    if (!text.empty() && text.back() == '\n') --newlines;
    st.node.end_line = static_cast<int>(in.position().line) + newlines;
    if (st.node.inner) {
      st.node.inner->start_line = st.node.start_line;
      st.node.inner->end_line = st.node.end_line;
    }
    st.ast->nodes.push_back(std::move(st.node));
    st.node = Node();
  }
};

// ---- one logical line: keyword, flags, arguments ----------------------------

struct HeadState {
  std::string keyword;
  std::vector<std::string> flags;
  std::string word;
  std::string args;
};

template <typename Rule>
struct HeadAction : pegtl::nothing<Rule> {};

template <>
struct HeadAction<g::keyword> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeadState& st) {
    st.keyword = in.string();
  }
};

template <>
struct HeadAction<g::flag_start> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, HeadState& st) {
    st.word = "--";
  }
};

template <>
struct HeadAction<g::flag_escape> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeadState& st) {
    st.word += in.string_view().substr(1);
  }
};

template <>
struct HeadAction<g::flag_plain> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeadState& st) {
    st.word += in.string_view();
  }
};

template <char Q>
struct HeadAction<g::flag_quoted_text<Q>> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeadState& st) {
    st.word += in.string_view();
  }
};

template <>
struct HeadAction<g::flag> {
  // "--" alone is not a flag but the end of the flags (see flags_end).
  template <typename ActionInput>
  static bool apply(const ActionInput& /*in*/, HeadState& st) {
    if (st.word == "--") return false;
    st.flags.push_back(st.word);
    return true;
  }
};

template <>
struct HeadAction<g::flags_end> {
  template <typename ActionInput>
  static bool apply(const ActionInput& /*in*/, HeadState& st) {
    return st.word == "--";
  }
};

template <>
struct HeadAction<g::args_text> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeadState& st) {
    st.args = in.string();
  }
};

// ---- argument lists -----------------------------------------------------------

struct WordsState {
  std::vector<std::string> words;
  bool drop_last = false;  // the word ended in an escape character at the end of the line
};

template <typename Rule>
struct WordsAction : pegtl::nothing<Rule> {};

template <char E>
struct WordsAction<g::w_escape_end<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, WordsState& st) {
    st.drop_last = true;
  }
};

template <char E>
struct WordsAction<g::word<E>> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    std::string word = in.string();
    if (st.drop_last) word.pop_back();
    st.drop_last = false;
    if (!word.empty()) st.words.push_back(std::move(word));
  }
};

template <>
struct WordsAction<g::field> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    st.words.push_back(in.string());
  }
};

template <>
struct WordsAction<g::legacy_key> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    st.words.push_back(in.string());
  }
};

template <>
struct WordsAction<g::legacy_value> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    st.words.push_back(in.string());
  }
};

template <>
struct WordsAction<g::health_type> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    st.words.push_back(in.string());
  }
};

template <>
struct WordsAction<g::health_command> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    st.words.push_back(in.string());
  }
};

template <>
struct WordsAction<g::sh_word> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, WordsState& st) {
    st.words.push_back(in.string());
  }
};

// ---- JSON -------------------------------------------------------------------

struct JsonState {
  static constexpr int kMaxDepth = 200;
  int depth = 0;
  std::string str;                    // the string value read last
  std::vector<std::string> elements;  // top-level string elements
  bool non_string = false;            // a top-level element that is not a string

  bool Enter() { return depth < kMaxDepth && ++depth > 0; }
  void Leave() { --depth; }
};

inline unsigned HexValue(std::string_view hex) {
  unsigned v = 0;
  for (char c : hex) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
    else v |= static_cast<unsigned>(c - 'A' + 10);
  }
  return v;
}

template <typename Rule>
struct JsonAction : pegtl::nothing<Rule> {};

template <>
struct JsonAction<g::json::string_open> {
  template <typename ActionInput>
  static void apply(const ActionInput& /*in*/, JsonState& st) {
    st.str.clear();
  }
};

template <>
struct JsonAction<g::json::unescaped> {
  // Go keeps valid UTF-8 and turns each invalid byte into U+FFFD.
  template <typename ActionInput>
  static void apply(const ActionInput& in, JsonState& st) {
    std::string_view text = in.string_view();
    while (!text.empty()) {
      const DecodedRune d = DecodeRune(text);
      if (d.valid) {
        st.str.append(text.substr(0, d.width));
      } else {
        AppendRune(st.str, kReplacementChar);
      }
      text.remove_prefix(d.width);
    }
  }
};

template <>
struct JsonAction<g::json::simple_escape> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, JsonState& st) {
    switch (in.string_view()[1]) {
      case 'b': st.str += '\b'; break;
      case 'f': st.str += '\f'; break;
      case 'n': st.str += '\n'; break;
      case 'r': st.str += '\r'; break;
      case 't': st.str += '\t'; break;
      default: st.str += in.string_view()[1];  // " \ /
    }
  }
};

template <>
struct JsonAction<g::json::surrogate_pair> {
  // Only a high surrogate followed by a low one is a pair; otherwise the two
  // escapes are read one by one (each lone surrogate becomes U+FFFD).
  template <typename ActionInput>
  static bool apply(const ActionInput& in, JsonState& st) {
    const std::string_view text = in.string_view();  // \uXXXX\uXXXX
    const unsigned hi = HexValue(text.substr(2, 4));
    const unsigned lo = HexValue(text.substr(8, 4));
    if (hi < 0xD800 || hi > 0xDBFF || lo < 0xDC00 || lo > 0xDFFF) return false;
    AppendRune(st.str, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
    return true;
  }
};

template <>
struct JsonAction<g::json::unicode_escape> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, JsonState& st) {
    AppendRune(st.str, HexValue(in.string_view().substr(2, 4)));  // surrogates -> U+FFFD
  }
};

template <>
struct JsonAction<g::json::element> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, JsonState& st) {
    if (in.string_view().front() == '"') {
      st.elements.push_back(st.str);
    } else {
      st.non_string = true;
    }
  }
};

// ---- heredoc markers ----------------------------------------------------------

struct HeredocMarkerState {
  bool chomp = false;
  std::string rest;
};

template <typename Rule>
struct HeredocMarkerAction : pegtl::nothing<Rule> {};

template <>
struct HeredocMarkerAction<g::heredoc_chomp> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocMarkerState& st) {
    st.chomp = !in.empty();
  }
};

template <>
struct HeredocMarkerAction<g::heredoc_word_rest> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocMarkerState& st) {
    st.rest = in.string();
  }
};

// The delimiter with quotes removed (`name`) and kept (`raw`): if they differ
// in quote count, part of it was quoted and the body is not expanded.
struct HeredocNameState {
  std::string name;
  std::string raw;
};

template <typename Rule>
struct HeredocNameAction : pegtl::nothing<Rule> {};

template <>
struct HeredocNameAction<g::hn_escape> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocNameState& st) {
    st.name += in.string_view()[1];
    st.raw += in.string_view()[1];
  }
};

template <>
struct HeredocNameAction<g::hn_squote> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocNameState& st) {
    const std::string_view quoted = in.string_view();
    st.name += quoted.substr(1, quoted.size() - 2);
    st.raw += quoted;
  }
};

template <>
struct HeredocNameAction<g::hn_dquote_mark> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocNameState& st) {
    st.raw += in.string_view();
  }
};

template <>
struct HeredocNameAction<g::hn_dquote_escape> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocNameState& st) {
    st.name += in.string_view()[1];
    st.raw += in.string_view()[1];
  }
};

template <>
struct HeredocNameAction<g::hn_dquote_char> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocNameState& st) {
    st.name += in.string_view();
    st.raw += in.string_view();
  }
};

template <>
struct HeredocNameAction<g::hn_plain> {
  template <typename ActionInput>
  static void apply(const ActionInput& in, HeredocNameState& st) {
    st.name += in.string_view();
    st.raw += in.string_view();
  }
};

}  // namespace ubuild::parser::detail
