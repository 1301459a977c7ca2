#pragma once
// Standard base64 with padding (RFC 4648 §4), as Go's encoding/json writes
// []byte fields: tar-split stores raw tar segments this way.
#include <string>
#include <string_view>

namespace ubuild::store {

std::string Base64Encode(std::string_view bytes);
// Appends the encoding of `bytes` to `out` (no temporary string).
void Base64Append(std::string& out, std::string_view bytes);
// Throws ubuild::Error on characters outside the alphabet or bad padding.
std::string Base64Decode(std::string_view text);

}  // namespace ubuild::store
