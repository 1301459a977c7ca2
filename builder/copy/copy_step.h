#pragma once
// COPY / ADD into a mounted overlay rootfs (issue 4 "COPY / ADD").
// Sources come from the build context (after .dockerignore) or from another
// rootfs (--from). Destinations are resolved inside the image root with
// openat2(RESOLVE_IN_ROOT), so an image symlink can never redirect a write to
// the host. The history's source hash of the same sources is SourceHash
// (source_hash.h).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/copy/copy_spec.h"

namespace ubuild::builder {

// Copies into `rootfs` (the merged overlay dir). `upper`: that mount's
// upperdir, where directories this copy creates are filled directly; empty
// to write everything through the mount. Throws ubuild::Error.
void ExecuteCopy(const CopySpec& spec, const std::filesystem::path& rootfs, const std::filesystem::path& upper = {});

}  // namespace ubuild::builder
