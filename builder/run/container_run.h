#pragma once
// Runs one RUN command in its own namespaces on an already mounted rootfs
// (design.md §4; issue 4 "RUN"): mount/PID/UTS/IPC namespaces, a network
// namespace (lo only for network none, lo and a user-mode stack's eth0 by
// default, none for network host), a cgroup (run_cgroup.h), pivot_root,
// /proc, a tmpfs /dev
// with the standard nodes, /dev/pts, /dev/shm, generated /etc/hosts,
// /etc/resolv.conf and /etc/hostname bind-mounted (never committed), Docker's
// default capability set, USER and WORKDIR applied. Output streams live.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/rootfs/init_layer.h"
#include "builder/run/seccomp_option.h"
#include "builder/run/run_cgroup.h"
#include "builder/run/run_mounts.h"

namespace ubuild::builder {

// kDefault: a namespace of its own behind a user-mode stack
// (user_mode_network.h); kHost: the builder's; kNone: loopback only.
enum class RunNetwork { kDefault, kHost, kNone };

// --add-host NAME:ADDRESS, a line of the RUN's /etc/hosts.
struct ExtraHost {
  std::string name;
  std::string address;
};

// --ulimit NAME=SOFT[:HARD]: setrlimit(resource) in init, before exec.
struct RunUlimit {
  int resource = 0;     // RLIMIT_*
  uint64_t soft = 0;    // RLIM_INFINITY for -1
  uint64_t hard = 0;
};

struct RunSpec {
  std::filesystem::path rootfs;          // the merged overlay dir
  std::vector<std::string> argv;         // already shell-prefixed if shell form
  std::vector<std::string> env;          // "K=V"
  std::string user;                      // USER spec, resolved inside rootfs; "" = root
  std::string workdir = "/";             // created if missing (root:root 0755, as Docker does), kept in the layer
  RunNetwork network = RunNetwork::kDefault;
  RunLimits limits;
  std::string hostname;                  // deterministic, not host-specific
  std::vector<std::string> volumes;      // dirs to create before running (kept in the layer)
  SeccompOption seccomp;                 // Docker's default profile unless --security-opt says otherwise
  std::vector<ExtraHost> extra_hosts;    // --add-host, in the order given
  std::vector<RunUlimit> ulimits;        // --ulimit
  int64_t shm_bytes = 64 << 20;          // --shm-size: /dev/shm's size (Docker's default 64m)
  std::vector<RunMount> mounts;          // RUN --mount, never part of the layer
  std::filesystem::path etc_dir;         // where the /etc files are written (container_etc_files.h); empty: beside the rootfs
  bool insecure = false;                 // RUN --security=insecure: every capability, no seccomp
};

// The paths every RUN container mounts over before its command starts
// (/proc, /sys, /dev and the generated /etc files). Where the image lacks
// them, a build makes them in the step's init layer
// (builder/dispatch/run_init_layer.h), as Docker does; what is still
// missing then is made in the upperdir and taken back out (mount_points.h).
std::vector<InitTarget> ContainerMountPoints();

// Returns the process's exit code (128+N for a signal). Throws ubuild::Error
// on setup failure. Killed (whole tree) when ubuild gets SIGINT/SIGTERM, and
// then throws Error with exit code 130/143 (see interrupt.h).
int RunInContainer(const RunSpec& spec);

}  // namespace ubuild::builder
