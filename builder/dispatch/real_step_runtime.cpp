#include "builder/dispatch/real_step_runtime.h"

#include <system_error>

#include "builder/rootfs/overlay_mount.h"
#include "store/base/error.h"

namespace ubuild::builder {

void RealStepRuntime::WithRootfs(const std::vector<std::filesystem::path>& lower, const store::PendingLayer& pending,
                                 const std::function<void(const std::filesystem::path&)>& fn) {
  const std::filesystem::path& merged = pending.merged_dir;
  std::error_code ec;
  std::filesystem::create_directories(merged, ec);
  if (ec) throw SysError("mkdir", merged.string(), ec.value());
  OverlayMount mount(lower, pending.diff_dir, pending.work_dir, merged);
  fn(merged);
  mount.Unmount();
}

int RealStepRuntime::Run(const RunSpec& spec) { return RunInContainer(spec); }

}  // namespace ubuild::builder
