#pragma once
// PEGTL actions for the file level of grammar.h (parse.cpp's ParseFile):
// parser directives, logical lines joined across escaped newlines, heredoc
// bodies, and each finished instruction appended to the AST.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <tao/pegtl.hpp>

#include "parser/ast.h"
#include "parser/grammar.h"
#include "store/base/error.h"

namespace ubuild::parser::detail {

namespace pegtl = tao::pegtl;
namespace g = grammar;

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
      st.ast->directive_lines[st.directive_name] = line;
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
    if (doc.chomp) {
      doc.unchomped = doc.content;
      doc.content = StripLeadingTabs(doc.content);
    }
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

}  // namespace ubuild::parser::detail
