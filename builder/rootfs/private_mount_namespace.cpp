#include "builder/rootfs/private_mount_namespace.h"

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>

#include "store/base/error.h"

namespace ubuild::builder {

void EnterPrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) != 0) {
    if (errno == EPERM) return;
    throw SysError("unshare mount namespace", "", errno);
  }
  // The copy starts in the host's peer groups; until this, a mount made here
  // would propagate back out.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    throw SysError("make mounts slave", "/", errno);
  }
}

}  // namespace ubuild::builder
