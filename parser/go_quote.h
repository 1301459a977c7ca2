#pragma once
// Go's strconv.Quote, which BuildKit's parse-tree dump uses for every string:
// `"` and `\` escaped; \a \b \f \n \r \t \v; other control bytes as \x01;
// non-printable runes as \u00a0 or \U000e0001; invalid UTF-8 bytes as \xff;
// printable UTF-8 kept as is.
#include <string>
#include <string_view>

namespace ubuild::parser {

std::string GoQuote(std::string_view text);

// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020.
bool GoIsPrint(char32_t rune);

}  // namespace ubuild::parser
