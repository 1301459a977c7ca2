#pragma once
// The pieces of Go's encoding/json output that tar-split files use, so the
// lines ubuild writes look like the ones Docker writes.
#include <string>
#include <string_view>

namespace ubuild::store {

// A JSON string literal (with quotes), escaped as Go does by default:
// <, >, & and U+2028/U+2029 as \u escapes, control characters as \n, \r,
// \t or \u00XX. `s` must be valid UTF-8.
std::string GoJsonQuote(std::string_view s);

bool IsValidUtf8(std::string_view s);

}  // namespace ubuild::store
