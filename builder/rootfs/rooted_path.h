#pragma once
// Paths inside a tree that must not be left: the build context (a symlink
// or "../" leading out is an error) and an image root (symlinks resolve with
// the root as "/", as Docker's FollowSymlinkInScope and the kernel's
// openat2(RESOLVE_IN_ROOT) do).
#include <sys/stat.h>

#include <string>
#include <string_view>

#include "store/base/fd.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

struct ResolvedPath {
  std::string rel;       // canonical, '/'-separated, "" for the root itself
  bool exists = false;   // rel names an existing entry (st is then valid, followed)
  bool escaped = false;  // (non-clamping mode) resolution tried to leave the tree
  struct stat st {};
};

// Resolves `path` (relative to the tree; a leading '/' means the tree root)
// component by component, following every symlink including the last.
// clamp = true: ".." at the root stays at the root and absolute link targets
// restart at the root (image semantics). clamp = false: either one sets
// `escaped` (build-context semantics). A missing component ends the walk; the
// remaining components are appended lexically so `rel` still says where the
// path points. Throws ubuild::Error on a symlink loop or an I/O error.
ResolvedPath ResolveInTree(int root_fd, std::string_view path, bool clamp);

// openat2(root_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): the
// kernel resolves the image's symlinks (absolute or "..") with the root as
// "/", so they cannot lead to the host. `path` is inside the root whether or
// not it starts with '/'. fd (O_CLOEXEC) or -1 with errno.
int OpenInRootAt(int root_fd, const std::string& path, int flags, unsigned mode = 0);

// openat2(dir_fd, path, flags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): for a path known to be a plain
// descent of real directories (an overlay upperdir's counterpart of a
// canonical path). fd or -1 with errno.
int OpenBeneathAt(int dir_fd, const std::string& path, int flags);

}  // namespace ubuild::builder
