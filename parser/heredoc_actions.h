#pragma once
// PEGTL actions for the heredoc markers on an instruction line (<<EOF,
// <<-"EOF"): the chomp flag and the delimiter, quoted or not. The bodies are
// read at the file level (file_actions.h).
#include <string>

#include <tao/pegtl.hpp>

#include "parser/grammar.h"

namespace ubuild::parser::detail {

namespace pegtl = tao::pegtl;
namespace g = grammar;

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
