#pragma once
// The directory a RUN --mount=type=cache binds:
// buildcache/mounts/<sha256 of the id>/<instance>, instance 0 unless the
// mount is private and another RUN holds it, or locked and another RUN waits
// on it. Made with the mount's mode and owner (and `from`'s files) on first
// use, then bound as is: a warm cache costs a mkdir that fails and a bind,
// whatever its size.
#include <filesystem>
#include <functional>
#include <map>
#include <vector>

#include "builder/dispatch/run_mount_spec.h"
#include "store/base/fd.h"
#include "store/store.h"

namespace ubuild::builder {

// What a RUN holds of its cache mounts until it ends.
struct CacheMountHolds {
  std::vector<Fd> locks;  // private and locked instances' flocks, each dir's shared hold (cache_mount_use.h)
  std::map<std::filesystem::path, std::filesystem::path> locked;  // base -> the instance held (a second mount reuses it)
};

// The instance dir for `m`, held in `holds` until they are released.
// `seed` (empty: none) fills the fresh dir `tmp` with `from`'s files.
std::filesystem::path TakeCacheMountDir(store::Store& store, const RunMountSpec& m, CacheMountHolds& holds,
                                        const std::function<void(const std::filesystem::path& tmp)>& seed);

}  // namespace ubuild::builder
