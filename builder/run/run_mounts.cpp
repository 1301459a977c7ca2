#include "builder/run/run_mounts.h"

#include <sys/mount.h>

#include <sys/stat.h>

#include <algorithm>
#include <utility>

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

// Where `target` lands when it lies inside the fresh tmpfs of an earlier
// mount: the components below it are made by init once that tmpfs is
// mounted (in the rootfs they would be hidden by it). Empty otherwise.
std::string InsideTmpfs(ContainerPlan& plan, const std::vector<std::pair<std::string, std::string>>& tmpfs,
                        const RunMount& m) {
  for (auto it = tmpfs.rbegin(); it != tmpfs.rend(); ++it) {
    const auto& [target, host] = *it;
    if (m.target.size() <= target.size() || m.target.compare(0, target.size(), target) != 0 ||
        m.target[target.size()] != '/') {
      continue;
    }
    std::string at = host;
    size_t pos = target.size();
    while (pos < m.target.size()) {
      const size_t next = std::min(m.target.find('/', pos + 1), m.target.size());
      at += m.target.substr(pos, next - pos);
      SetupOp op;
      op.target = plan.Keep(at);
      op.kind = next < m.target.size() || m.directory ? SetupOp::kMkdir : SetupOp::kMknod;
      op.mode = op.kind == SetupOp::kMkdir ? 0755 : (S_IFREG | 0644);
      plan.ops.push_back(op);
      pos = next;
    }
    return at;
  }
  return "";
}

}  // namespace

void PlanRunMounts(ContainerPlan& plan, MountPoints& points, std::vector<RunMount> mounts) {
  std::stable_sort(mounts.begin(), mounts.end(),
                   [](const RunMount& a, const RunMount& b) { return Depth(a.target) < Depth(b.target); });
  // container target, host path; /dev is the container's own tmpfs
  // (container_devices), so a target below it is made there, not in the rootfs.
  std::vector<std::pair<std::string, std::string>> tmpfs = {{"/dev", points.Ensure("/dev", true).string()}};
  for (const RunMount& m : mounts) {
    std::string at = InsideTmpfs(plan, tmpfs, m);
    if (at.empty()) at = points.Ensure(m.target, m.directory).string();
    if (m.kind == RunMount::kTmpfs) tmpfs.emplace_back(m.target, at);
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
