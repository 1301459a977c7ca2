#include "store/base/go_utf8.h"

namespace ubuild {

DecodedRune DecodeRune(std::string_view text) {
  if (text.empty()) return {kReplacementChar, 0, false};
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return {b0, 1, true};
  const DecodedRune invalid{kReplacementChar, 1, false};

  // Lead byte: sequence length and the allowed range of the second byte
  // (RFC 3629 table, which excludes overlongs and surrogates).
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return invalid;
  }
  if (text.size() < len) {
    // Go still reports width 1 for a truncated sequence.
    return invalid;
  }
  if (byte(1) < lo || byte(1) > hi) return invalid;
  for (size_t i = 2; i < len; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return invalid;
  }
  char32_t rune = b0 & (0xFF >> (len + 1));
  for (size_t i = 1; i < len; ++i) rune = (rune << 6) | (byte(i) & 0x3F);
  return {rune, len, true};
}

bool IsValidUtf8(std::string_view text) {
  while (!text.empty()) {
    // ASCII needs no decoding; tar-split checks every member's name here.
    if (static_cast<unsigned char>(text[0]) < 0x80) {
      text.remove_prefix(1);
      continue;
    }
    const DecodedRune d = DecodeRune(text);
    if (!d.valid) return false;
    text.remove_prefix(d.width);
  }
  return true;
}

void AppendRune(std::string& out, char32_t rune) {
  if ((rune >= 0xD800 && rune <= 0xDFFF) || rune > 0x10FFFF) rune = kReplacementChar;
  if (rune < 0x80) {
    out += static_cast<char>(rune);
  } else if (rune < 0x800) {
    out += static_cast<char>(0xC0 | (rune >> 6));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else if (rune < 0x10000) {
    out += static_cast<char>(0xE0 | (rune >> 12));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (rune >> 18));
    out += static_cast<char>(0x80 | ((rune >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  }
}

void AppendHex(std::string& out, uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
}

std::string ToValidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  while (!text.empty()) {
    DecodedRune d = DecodeRune(text);
    if (d.valid) {
      out.append(text.data(), d.width);
    } else {
      AppendRune(out, kReplacementChar);
    }
    text.remove_prefix(d.width);
  }
  return out;
}

}  // namespace ubuild
