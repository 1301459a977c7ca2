#pragma once
// PEGTL actions for one logical line of grammar.h: the keyword and flags
// (HeadAction), then the argument words of the forms that split them
// (WordsAction).
#include <string>
#include <vector>

#include <tao/pegtl.hpp>

#include "parser/grammar.h"

namespace ubuild::parser::detail {

namespace pegtl = tao::pegtl;
namespace g = grammar;

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

}  // namespace ubuild::parser::detail
