#pragma once
// A RUN's use of a cache mount's directory (buildcache/mounts/<id>/<n>, see
// builder/dispatch/run_mount_setup.cpp), and `builder prune`'s test of it.
// A RUN holds a shared flock on the directory itself from before it is bound
// until the RUN ends, whatever the mount's sharing (locked and private
// exclude each other through their own `<n>.lock` files); prune removes only
// directories it can flock exclusively, and removes them under that flock,
// as BuildKit keeps cache records in use. The kernel drops a killed RUN's
// flock with its process.
// A RUN takes the hold inside Store::Adding() (shared ROOT/lock), so a prune
// (exclusive ROOT/lock) never removes a directory between its making and its
// hold.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "store/base/fd.h"

namespace ubuild::store {

// The hold on `dir`, released when the Fd closes. REQUIRES: ROOT/lock held
// (shared or exclusive) and `dir` made. Throws ubuild::Error.
Fd HoldCacheMount(const std::filesystem::path& dir);

struct CacheMountsPruned {
  uint64_t freed = 0;   // bytes of the regular files removed
  size_t in_use = 0;    // directories a running RUN holds, kept
};
// Removes every cache mount directory no RUN holds, and the lock files and
// half-made copies beside them. REQUIRES: ROOT/lock held exclusively.
CacheMountsPruned RemoveUnusedCacheMounts(const std::filesystem::path& root);

}  // namespace ubuild::store
