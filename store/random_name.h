#pragma once
// Random names for store records that are not content-addressed: cache-ids
// (64 lowercase hex, like Docker's) and overlay2/l link names (26 of A-Z0-9).
#include <string>

namespace ubuild::store {

std::string RandomHex(size_t bytes);
std::string RandomLinkName();

}  // namespace ubuild::store
