#include "builder/run/container_devices.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace ubuild::builder {

void AddDeviceOps(ContainerPlan& plan, const std::string& dev, int64_t shm_bytes) {
  auto mount = [&](const char* source, const std::string& target, const char* type, unsigned long flags,
                   const char* data, bool optional) {
    SetupOp op;
    op.kind = SetupOp::kMount;
    op.source = source;
    op.target = plan.Keep(target);
    op.fstype = type;
    op.flags = flags;
    op.data = data;
    op.optional = optional;
    plan.ops.push_back(op);
  };
  auto mkdir = [&](const std::string& target, mode_t mode) {
    SetupOp op;
    op.kind = SetupOp::kMkdir;
    op.target = plan.Keep(target);
    op.mode = mode;
    plan.ops.push_back(op);
  };
  auto symlink = [&](const char* to, const std::string& link) {
    SetupOp op;
    op.kind = SetupOp::kSymlink;
    op.source = to;
    op.target = plan.Keep(link);
    plan.ops.push_back(op);
  };

  mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", false);
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  for (const Node& n : {Node{"null", 1, 3}, Node{"zero", 1, 5}, Node{"full", 1, 7}, Node{"random", 1, 8},
                        Node{"urandom", 1, 9}, Node{"tty", 5, 0}}) {
    SetupOp op;
    op.kind = SetupOp::kMknod;
    op.target = plan.Keep(dev + "/" + n.name);
    op.source = plan.Keep(std::string("/dev/") + n.name);
    op.mode = S_IFCHR | 0666;
    op.dev = makedev(n.major, n.minor);
    plan.ops.push_back(op);
  }
  mkdir(dev + "/pts", 0755);
  mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5", false);
  symlink("pts/ptmx", dev + "/ptmx");
  mkdir(dev + "/shm", 01777);
  mount("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, plan.Keep("mode=1777,size=" + std::to_string(shm_bytes)), false);
  mkdir(dev + "/mqueue", 0755);
  mount("mqueue", dev + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, true);
  symlink("/proc/self/fd", dev + "/fd");
  symlink("/proc/self/fd/0", dev + "/stdin");
  symlink("/proc/self/fd/1", dev + "/stdout");
  symlink("/proc/self/fd/2", dev + "/stderr");
  symlink("/proc/kcore", dev + "/core");
}

}  // namespace ubuild::builder
