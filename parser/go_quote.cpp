#include "parser/go_quote.h"

#include <algorithm>
#include <iterator>

#include "parser/go_print_ranges.h"
#include "store/base/go_utf8.h"

namespace ubuild::parser {

bool GoIsPrint(char32_t rune) {
  if (rune < 0x80) return rune >= 0x20 && rune < 0x7F;
  const auto* end = std::end(kGoPrintableRanges);
  // First range whose last code point is >= rune.
  const auto* it = std::lower_bound(std::begin(kGoPrintableRanges), end, rune,
                                    [](const CodePointRange& r, char32_t v) { return r.last < v; });
  return it != end && it->first <= rune;
}

std::string GoQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  while (!text.empty()) {
    const DecodedRune d = DecodeRune(text);
    const std::string_view bytes = text.substr(0, d.width);
    text.remove_prefix(d.width);
    if (!d.valid) {
      out += "\\x";
      AppendHex(out, static_cast<unsigned char>(bytes[0]), 2);
      continue;
    }
    const char32_t r = d.rune;
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (GoIsPrint(r)) {
      out += bytes;
    } else {
      switch (r) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (r < ' ' || r == 0x7F) {
            out += "\\x";
            AppendHex(out, r, 2);
          } else if (r < 0x10000) {
            out += "\\u";
            AppendHex(out, r, 4);
          } else {
            out += "\\U";
            AppendHex(out, r, 8);
          }
      }
    }
  }
  out += '"';
  return out;
}

}  // namespace ubuild::parser
