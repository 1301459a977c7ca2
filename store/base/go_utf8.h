#pragma once
// UTF-8 with Go's rules (unicode/utf8): an invalid or truncated sequence
// decodes as U+FFFD with width 1. BuildKit and Docker are written in Go, so
// where their output depends on how bytes decode (strconv.Quote in the
// parser's dump, encoding/json in image configs and tar-split files) we
// decode the same way to print the same thing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ubuild {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct DecodedRune {
  char32_t rune;
  size_t width;  // bytes consumed, >= 1 unless text is empty
  bool valid;    // false: an invalid byte decoded as U+FFFD
};

// utf8.DecodeRuneInString: the rune at the start of `text`.
DecodedRune DecodeRune(std::string_view text);

// utf8.ValidString: no byte of `text` decodes as an invalid rune.
bool IsValidUtf8(std::string_view text);

// `text` with each byte that decodes as invalid replaced by U+FFFD, as Go's
// text/scanner and encoding/json leave a string: Docker's word lexer reads
// Dockerfile words that way, and a RUN's argv and env reach runc as JSON.
std::string ToValidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `rune` (surrogates and out-of-range values
// become U+FFFD, as Go's utf8.AppendRune does).
void AppendRune(std::string& out, char32_t rune);

// Appends the low `digits` hex digits of `value` in lowercase, as Go writes
// the digits of \x, \u and \U escapes (strconv.Quote, encoding/json).
void AppendHex(std::string& out, uint32_t value, int digits);

}  // namespace ubuild
