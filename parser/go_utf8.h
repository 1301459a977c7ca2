#pragma once
// UTF-8 decoding with Go's rules (unicode/utf8.DecodeRune): an invalid or
// truncated sequence decodes as U+FFFD with width 1. BuildKit is written in Go,
// so where its output depends on how bytes decode (strconv.Quote, JSON strings)
// we decode the same way to print the same thing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ubuild::parser {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct DecodedRune {
  char32_t rune;
  size_t width;  // bytes consumed, >= 1 unless text is empty
  bool valid;    // false: an invalid byte decoded as U+FFFD
};

DecodedRune DecodeRune(std::string_view text);

// Appends the UTF-8 encoding of `rune` (surrogates and out-of-range values
// become U+FFFD, as Go's utf8.AppendRune does).
void AppendRune(std::string& out, char32_t rune);

}  // namespace ubuild::parser
