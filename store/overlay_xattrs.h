#pragma once
// overlayfs keeps its own state (opaque directories) in extended attributes:
// trusted.overlay.* for root of the host, user.overlay.* inside a user
// namespace (the kernel's `userxattr` mount option, Linux 5.11+), where
// trusted.* is out of reach. fuse-overlayfs reads both and may write
// user.fuseoverlayfs.*. None of them belongs in a layer tar.
#include <string>
#include <string_view>

#include "store/base/child_user_namespace.h"

namespace ubuild::store {

// The attribute that marks an opaque directory for the overlay this
// process can mount.
const char* OverlayOpaqueXattr();

// Whether `key` is overlay bookkeeping rather than a file's own attribute.
bool IsOverlayXattr(std::string_view key);

}  // namespace ubuild::store
