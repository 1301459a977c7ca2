#pragma once
// A cgroup per RUN (issue 10): the pids and memory limits asked for
// (`--pids-limit`, `--memory`; none by default, as in Docker) and Docker's
// device rules — mknod of any node allowed, read/write/mknod only of null,
// zero, full, random, urandom, tty, console, ptmx and the pts nodes.
//
// Each controller is taken where the host has it, found at run time: a
// cgroup v1 hierarchy (memory, pids, devices mounted under /sys/fs/cgroup/*)
// or the cgroup v2 unified hierarchy (memory.max, pids.max, and a
// BPF_CGROUP_DEVICE program for the device rules). The RUN's cgroup is made
// under the builder's own cgroup in each hierarchy, named
// ubuild-run-<builder pid>-<n>; it is removed after the RUN, and one left by
// a killed builder is removed by the next RUN's sweep.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace ubuild::builder {

struct RunLimits {
  int64_t memory_bytes = 0;  // 0: no limit; the swap allowance is as much again, as in Docker
  int64_t pids = 0;          // 0: no limit
};

// Docker's device rules as a BPF_CGROUP_DEVICE program attached to the
// cgroup v2 directory `dir`, where RunCgroup finds no v1 devices hierarchy.
// The cgroup keeps the program until it is removed.
void AttachDeviceRules(const std::filesystem::path& dir);

class RunCgroup {
 public:
  // Creates and configures the cgroup. Where cgroups cannot be written (no
  // such hierarchy, or read-only, as inside an unprivileged container) the
  // RUN goes without, unless a limit was asked for: then this throws Error.
  explicit RunCgroup(const RunLimits& limits);
  ~RunCgroup();
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;

  // Moves `pid` (the container's init, before it execs) into the cgroup.
  void Enter(pid_t pid) const;

 private:
  // The RUN's directory under `parent` (the builder's cgroup in one
  // hierarchy), made on first use.
  std::filesystem::path DirUnder(const std::filesystem::path& parent);
  void Make(const std::filesystem::path& parent);

  std::vector<std::filesystem::path> dirs_;  // one per hierarchy used
  bool not_writable_ = false;                // a hierarchy refused the mkdir
};

}  // namespace ubuild::builder
