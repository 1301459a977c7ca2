#include "builder/run/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace ubuild::builder {

int DropBoundingSet(int last_cap) {
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (cap < 64 && (kDockerDefaultCaps >> cap) & 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -errno;
  }
  return 0;
}

int LimitToDefaultSet() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    const auto word = static_cast<__u32>(kDockerDefaultCaps >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = 0;
  }
  if (::syscall(SYS_capset, &header, data) != 0) return -errno;
  return 0;
}

int LastCapability() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int last = 40;  // CAP_CHECKPOINT_RESTORE, the last one of Linux 5.9+
  in >> last;
  return last;
}

}  // namespace ubuild::builder
