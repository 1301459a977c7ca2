#pragma once
// COPY / ADD into a mounted overlay rootfs (issue 4 "COPY / ADD").
// Sources come from the build context (after .dockerignore) or from another
// rootfs (--from). Destinations are resolved inside the image root with
// openat2(RESOLVE_IN_ROOT), so an image symlink can never redirect a write to
// the host. Also computes Docker's history source hash (file:/dir:/multi:).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/copy/copy_spec.h"

namespace ubuild::builder {

// Hash of the sources without copying: "file:<hex>", "dir:<hex>" or
// "multi:<hex>" (design.md §6). Throws ubuild::Error for a missing source or
// one escaping the context. `digest_cache_dir` (nullable) caches per-file
// content digests keyed by (path, inode, size, mtime, ctime).
std::string SourceHash(const CopySpec& spec, const std::filesystem::path* digest_cache_dir);

// Copies into `rootfs` (the merged overlay dir). `upper`: that mount's
// upperdir, where directories this copy creates are filled directly; empty
// to write everything through the mount. Throws ubuild::Error.
void ExecuteCopy(const CopySpec& spec, const std::filesystem::path& rootfs, const std::filesystem::path& upper = {});

}  // namespace ubuild::builder
