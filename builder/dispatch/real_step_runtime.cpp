#include "builder/dispatch/real_step_runtime.h"

#include "builder/rootfs/overlay_mount.h"

namespace ubuild::builder {

void RealStepRuntime::WithRootfs(const std::vector<std::filesystem::path>& lower, const store::PendingLayer& pending,
                                 const std::function<void(const std::filesystem::path&)>& fn) {
  std::filesystem::path merged = pending.dir / "merged";
  std::filesystem::create_directories(merged);
  OverlayMount mount(lower, pending.diff_dir, pending.work_dir, merged);
  fn(merged);
  mount.Unmount();
}

int RealStepRuntime::Run(const RunSpec& spec) { return RunInContainer(spec); }

}  // namespace ubuild::builder
