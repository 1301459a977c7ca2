#include "builder/run/run_mounts.h"

#include <sys/mount.h>

#include <algorithm>

#include "builder/run/container_plan.h"
#include "builder/run/mount_points.h"

namespace ubuild::builder {

namespace {

size_t Depth(const std::string& p) { return static_cast<size_t>(std::count(p.begin(), p.end(), '/')); }

void Add(ContainerPlan& plan, const char* source, const std::string& target, const char* fstype, unsigned long flags,
         const char* data) {
  SetupOp op;
  op.kind = SetupOp::kMount;
  op.source = source;
  op.target = plan.Keep(target);
  op.fstype = fstype;
  op.flags = flags;
  op.data = data;
  plan.ops.push_back(op);
}

}  // namespace

void PlanRunMounts(ContainerPlan& plan, MountPoints& points, std::vector<RunMount> mounts) {
  std::stable_sort(mounts.begin(), mounts.end(),
                   [](const RunMount& a, const RunMount& b) { return Depth(a.target) < Depth(b.target); });
  for (const RunMount& m : mounts) {
    const std::string at = points.Ensure(m.target, m.directory).string();
    if (m.kind == RunMount::kTmpfs) {
      Add(plan, "tmpfs", at, "tmpfs", MS_NOSUID, m.tmpfs_options.empty() ? nullptr : plan.Keep(m.tmpfs_options));
      continue;
    }
    Add(plan, plan.Keep(m.source.string()), at, nullptr, MS_BIND | MS_REC, nullptr);
    // A bind's read-only flag takes a remount of its own.
    if (m.readonly) Add(plan, nullptr, at, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
  }
}

}  // namespace ubuild::builder
