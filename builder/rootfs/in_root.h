#pragma once
// Opening paths of an image rootfs from the host without letting the image's
// symlinks (absolute or "..") lead outside it: the kernel resolves them with
// the rootfs as "/" (openat2 RESOLVE_IN_ROOT).
#include <string>

namespace ubuild::builder {

// Returns an fd or -1 with errno set. `path` is taken as inside the root
// whether or not it starts with '/'.
int OpenInRoot(int root_fd, const std::string& path, int flags, unsigned mode = 0);

}  // namespace ubuild::builder
