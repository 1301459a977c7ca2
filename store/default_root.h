#pragma once
// Where the store lives when the command line names no root.
#include <filesystem>

namespace ubuild::store {

// ROOT from --root, else $UBUILD_ROOT, else /var/lib/ubuild for root and
// $XDG_DATA_HOME/ubuild (~/.local/share/ubuild) for any other user, where
// rootless podman and Docker keep theirs.
std::filesystem::path DefaultRoot();

}  // namespace ubuild::store
