#pragma once
// PEGTL actions for the JSON (exec) form of grammar.h: the array's string
// elements decoded as Go's encoding/json does.
#include <string>
#include <string_view>
#include <vector>

#include <tao/pegtl.hpp>

#include "parser/grammar.h"
#include "store/base/go_utf8.h"

namespace ubuild::parser::detail {

namespace pegtl = tao::pegtl;
namespace g = grammar;

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

}  // namespace ubuild::parser::detail
