#pragma once
// Where the store lives when the command line names no root.
#include <filesystem>

namespace ubuild::store {

// ROOT from --root, else $UBUILD_ROOT, else /var/lib/ubuild.
std::filesystem::path DefaultRoot();

}  // namespace ubuild::store
