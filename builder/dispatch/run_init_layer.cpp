#include "builder/dispatch/run_init_layer.h"

#include <sys/stat.h>

#include <string>
#include <system_error>

#include "builder/rootfs/overlay_mount.h"
#include "store/base/error.h"

namespace ubuild::builder {

namespace fs = std::filesystem;

namespace {

// overlayfs stacks at most 500 layers (OVL_MAX_STACK); the init layer
// must not be the one that tips a deep image over it.
constexpr size_t kMaxLower = 500;

bool Under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

std::string ContainerPath(const std::string& p) { return p.empty() || p[0] != '/' ? "/" + p : p; }

std::vector<InitTarget> TargetsOf(const std::vector<RunMount>& mounts) {
  // Mounted before the RUN's own mounts, so never on one of their tmpfs.
  std::vector<InitTarget> out = ContainerMountPoints();
  for (const RunMount& m : mounts) {
    bool on_tmpfs = m.target == "/dev" || Under(m.target, "/dev");
    for (const RunMount& t : mounts) on_tmpfs = on_tmpfs || (t.kind == RunMount::kTmpfs && Under(m.target, t.target));
    if (!on_tmpfs) out.push_back({m.target, m.directory});
  }
  return out;
}

}  // namespace

RunInitLayer::RunInitLayer(BuildTmpfs& tmpfs, const fs::path& session_dir, const RunSpec& spec,
                           std::vector<fs::path>& lower) {
  const std::vector<InitTarget> targets = TargetsOf(spec.mounts);
  // fuse-overlayfs's upperdir is normalized against the lower layers
  // (fuse_overlayfs.h), which must then be the image's alone.
  if (lower.size() + 1 > kMaxLower || OverlayMount::NextIsFuse()) return;
  insecure_ = spec.insecure;
  std::vector<std::string> kept = {ContainerPath(spec.workdir.empty() ? "/" : spec.workdir)};
  for (const auto& v : spec.volumes) kept.push_back(ContainerPath(v));
  try {
    dir_ = tmpfs.MakeStepDir(session_dir);
  } catch (const Error&) {
    return;  // (a tmpfs refused) the run's own mount points stand in
  }
  // The root's attributes are the upperdir's; this only lets a user the
  // run switches to look up the paths below.
  if (::chmod(dir_.c_str(), 0755) != 0) return;
  try {
    paths_ = BuildInitLayer(lower, dir_, targets, kept);
  } catch (const Error&) {
    return;  // the run's own mount points meet it and say what is wrong
  }
  if (paths_ && !paths_->made.empty()) lower.insert(lower.begin(), dir_);
}

RunInitLayer::~RunInitLayer() {
  if (dir_.empty() || (paths_ && RemoveInitLayer(dir_, *paths_))) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void RunInitLayer::Watch(const fs::path& rootfs) const {
  // Only a RUN that may unmount (every capability) can remove a mount
  // point or its parent and so leave a whiteout.
  if (!insecure_ || !paths_ || paths_->made.empty()) return;
  const fs::path upper = OverlayMount::UpperDirOf(rootfs);
  if (upper.empty()) return;
  OverlayMount::AtUnmount(rootfs, [upper, paths = *paths_] { RemoveInitWhiteouts(upper, paths); });
}

}  // namespace ubuild::builder
