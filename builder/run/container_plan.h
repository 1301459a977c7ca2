#pragma once
// Everything the container's init does between clone() and exec(), worked
// out in the parent as plain data: the child then runs only system calls
// (no allocation, no locks), which stays correct even when the builder has
// other threads at clone time.
#include <sys/resource.h>
#include <sys/types.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "builder/run/seccomp_program.h"

namespace ubuild::builder {

struct SetupOp {
  enum Kind { kMount, kMkdir, kMknod, kSymlink, kMask, kReadOnly };
  Kind kind = kMount;
  const char* source = nullptr;  // kMount: source; kSymlink: link target; kMknod: host node to bind if mknod fails
  const char* target = nullptr;  // absolute host path (under the rootfs, before pivot_root)
  const char* fstype = nullptr;
  unsigned long flags = 0;
  const char* data = nullptr;
  mode_t mode = 0;
  dev_t dev = 0;
  bool optional = false;  // failure is ignored (e.g. sysfs where not permitted)
};

struct ContainerPlan {
  const char* rootfs = nullptr;
  std::vector<SetupOp> ops;
  bool own_network = false;  // a network namespace of its own, whose lo init brings up
  const char* hostname = nullptr;
  const char* workdir = nullptr;  // inside the container
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  int last_cap = 40;
  std::vector<std::pair<int, rlimit>> rlimits;  // --ulimit: set before the credentials change
  bool all_capabilities = false;  // RUN --security=insecure: keep the bounding set and root's full set
  SeccompProgram seccomp;        // built here; init only installs it
  std::vector<char*> argv;        // null-terminated
  std::vector<char*> envp;        // null-terminated
  std::vector<const char*> exec_candidates;  // argv[0] or PATH entries joined with it
  const char* not_found_message = nullptr;   // full line for stderr
  bool searched_path = false;
  int error_fd = -1;  // write end; CLOEXEC, so EOF at a successful exec
  int builder_pidfd = -1;  // the builder's pidfd (CLOEXEC); -1 where the kernel has none
  // Init waits for one byte on go_read (the builder's "your cgroup and
  // network are ready") before it does anything; go_write is the builder's end.
  int go_read = -1;
  int go_write = -1;

  // Stable C strings for the fields above.
  const char* Keep(std::string s) { return strings_.emplace_back(std::move(s)).c_str(); }
  char* KeepMutable(std::string s) { return strings_.emplace_back(std::move(s)).data(); }

 private:
  std::deque<std::string> strings_;
};

// The container's init: clone() entry point, `arg` is the ContainerPlan.
int ContainerInit(void* arg);

}  // namespace ubuild::builder
