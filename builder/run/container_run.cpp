#include "builder/run/container_run.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <optional>

#include "builder/run/capabilities.h"
#include "builder/run/container_devices.h"
#include "builder/run/container_etc_files.h"
#include "builder/run/container_plan.h"
#include "builder/run/interrupt.h"
#include "builder/run/mount_points.h"
#include "builder/run/proc_masks.h"
#include "builder/run/seccomp_option.h"
#include "builder/run/run_cgroup.h"
#include "builder/run/run_mounts.h"
#include "builder/run/user_mode_network.h"
#include "builder/rootfs/overlay_mount.h"
#include "builder/rootfs/user_lookup.h"
#include "store/base/default_path.h"
#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

constexpr size_t kStackSize = 256 * 1024;

std::string PathOf(const std::vector<std::string>& env) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->rfind("PATH=", 0) == 0) return it->substr(5);
  }
  return kDefaultPath;
}

// Where execve is tried, in order: argv[0] itself if it has a slash, else
// each PATH entry of the container's environment (not the builder's).
void PlanExec(ContainerPlan& plan, const RunSpec& spec) {
  for (const auto& a : spec.argv) plan.argv.push_back(plan.KeepMutable(a));
  plan.argv.push_back(nullptr);
  for (const auto& e : spec.env) plan.envp.push_back(plan.KeepMutable(e));
  plan.envp.push_back(nullptr);
  const std::string& cmd = spec.argv.front();
  if (cmd.find('/') != std::string::npos) {
    plan.exec_candidates.push_back(plan.Keep(cmd));
  } else {
    plan.searched_path = true;
    const std::string path = PathOf(spec.env);
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find(':', start);
      if (end == std::string::npos) end = path.size();
      std::string dir = path.substr(start, end - start);
      if (dir.empty()) dir.assign(1, '.');  // (a literal trips GCC 12 -Wrestrict)
      if (!cmd.empty()) plan.exec_candidates.push_back(plan.Keep(dir + "/" + cmd));
      start = end + 1;
    }
  }
  plan.not_found_message = plan.Keep("exec: \"" + cmd + "\": executable file not found in $PATH");
}

void AddBind(ContainerPlan& plan, const fs::path& source, const fs::path& target) {
  SetupOp op;
  op.kind = SetupOp::kMount;
  op.source = plan.Keep(source.string());
  op.target = plan.Keep(target.string());
  op.flags = MS_BIND;
  plan.ops.push_back(op);
}

void AddMount(ContainerPlan& plan, const char* source, const fs::path& target, const char* type,
              unsigned long flags, const char* data, bool optional) {
  SetupOp op;
  op.kind = SetupOp::kMount;
  op.source = source;
  op.target = plan.Keep(target.string());
  op.fstype = type;
  op.flags = flags;
  op.data = data;
  op.optional = optional;
  plan.ops.push_back(op);
}

std::string ContainerPath(const std::string& p) { return p.empty() || p[0] != '/' ? "/" + p : p; }

const InitTarget kProc{"/proc", true, true};
const InitTarget kSys{"/sys", true, true};
const InitTarget kDev{"/dev", true, true};
const InitTarget kHosts{"/etc/hosts", false, true};
const InitTarget kResolvConf{"/etc/resolv.conf", false, true};
const InitTarget kHostname{"/etc/hostname", false, true};

fs::path Ensure(MountPoints& points, const InitTarget& t) { return points.Ensure(t.path, t.directory); }

// The container's mounts, in the order init makes them: /proc and /sys
// with their masks, /dev, then the generated /etc files over the image's.
void PlanMounts(ContainerPlan& plan, MountPoints& points, const ContainerEtcFiles& etc, int64_t shm_bytes) {
  const fs::path proc = Ensure(points, kProc);
  const fs::path sys = Ensure(points, kSys);
  AddMount(plan, "proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, false);
  // sysfs may be refused (e.g. sharing the host's network namespace inside
  // another container); a RUN can live without it.
  AddMount(plan, "sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, nullptr, true);
  AddProcMasks(plan, proc.string(), sys.string());
  AddDeviceOps(plan, Ensure(points, kDev).string(), shm_bytes);
  AddBind(plan, etc.hosts(), Ensure(points, kHosts));
  AddBind(plan, etc.resolv_conf(), Ensure(points, kResolvConf));
  AddBind(plan, etc.hostname(), Ensure(points, kHostname));
}

// Who the command runs as, where, and what init execs.
void PlanProcess(ContainerPlan& plan, const RunSpec& spec, const ResolvedUser& user, const std::string& hostname,
                 const std::string& workdir) {
  plan.own_network = spec.network != RunNetwork::kHost;
  plan.hostname = plan.Keep(hostname);
  plan.workdir = plan.Keep(workdir);
  plan.uid = user.uid;
  plan.gid = user.gid;
  for (unsigned g : user.supplementary_gids) plan.groups.push_back(g);
  // runc (under Docker) gives a user listed in no group its primary group as
  // the supplementary list, so `id` shows groups=1000(app) there too.
  if (plan.groups.empty()) plan.groups.push_back(user.gid);
  plan.last_cap = LastCapability();
  for (const RunUlimit& u : spec.ulimits) plan.rlimits.push_back({u.resource, rlimit{u.soft, u.hard}});
  plan.all_capabilities = spec.insecure;
  if (!spec.insecure) plan.seccomp = SeccompProgramFor(spec.seccomp);
  PlanExec(plan, spec);
}

// Clones the container's init on a stack of its own (freed at once: the
// child runs on a copy of the address space).
pid_t StartInit(ContainerPlan& plan, bool own_network, const fs::path& rootfs) {
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) throw SysError("mmap", "", errno);
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
  if (own_network) flags |= CLONE_NEWNET;
  const pid_t pid = ::clone(ContainerInit, static_cast<char*>(stack) + kStackSize, flags, &plan);
  const int clone_errno = errno;
  ::munmap(stack, kStackSize);
  if (pid < 0) throw SysError("clone", rootfs.string(), clone_errno);
  return pid;
}

// What init reported before it failed; empty once the command is running.
// The pipe reaches EOF when the command is exec'd (CLOEXEC) or init exits.
std::string ReadSetupError(int fd) {
  std::string setup_error;
  char buf[1024];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      setup_error.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return setup_error;
}

// Puts the waiting init in its cgroup, connects its network (kept until
// the RUN ends) and lets it go. On failure init is killed and reaped.
void ReleaseInit(pid_t pid, const RunCgroup& cgroup, const std::optional<UserModeStack>& stack,
                 std::optional<UserModeNetwork>& network, Fd go_write) {
  try {
    // The stack starts up while the (slow, on cgroup v1) cgroup move runs.
    if (stack) network.emplace(*stack, pid);
    cgroup.Enter(pid);
    if (network) network->WaitUntilConfigured();
    const char go = 1;
    if (::send(go_write.get(), &go, 1, MSG_NOSIGNAL) != 1) throw SysError("send", "container start socket", errno);
  } catch (...) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    // An interrupt kills init under our feet; that, not the failure it
    // caused here, is what to report.
    if (int sig = InterruptSignal()) throw Error("interrupted", "", InterruptExitCode(sig));
    throw;
  }
}

// The /etc/hosts and /etc/resolv.conf content the network calls for.
EtcNetwork EtcNetworkOf(const std::optional<UserModeStack>& stack, const std::vector<ExtraHost>& extra_hosts) {
  EtcNetwork etc;
  for (const ExtraHost& h : extra_hosts) etc.extra_hosts.emplace_back(h.name, h.address);
  if (stack) {
    if (!stack->address.empty()) etc.address = stack->address;
    etc.nameserver = stack->nameserver;
  }
  return etc;
}

}  // namespace

std::vector<InitTarget> ContainerMountPoints() { return {kProc, kSys, kDev, kHosts, kResolvConf, kHostname}; }

int RunInContainer(const RunSpec& spec) {
  if (int sig = InterruptSignal()) throw Error("interrupted", "", InterruptExitCode(sig));
  if (spec.argv.empty()) throw Error("RUN: empty command");
  const fs::path rootfs = fs::weakly_canonical(fs::absolute(spec.rootfs));

  const ResolvedUser user = ResolveUser(rootfs, spec.user);
  MountPoints points(rootfs, OverlayMount::UpperDirOf(rootfs));
  // WORKDIR and VOLUME directories belong in the layer, as in Docker.
  for (const auto& v : spec.volumes) points.EnsureKeptDirectory(ContainerPath(v));
  const std::string workdir = ContainerPath(spec.workdir.empty() ? "/" : spec.workdir);
  points.EnsureKeptDirectory(workdir);

  std::optional<UserModeStack> stack;
  if (spec.network == RunNetwork::kDefault) stack = FindUserModeStack();
  const std::string hostname = spec.hostname.empty() ? "localhost" : spec.hostname;
  ContainerEtcFiles etc(hostname, spec.etc_dir.empty() ? rootfs.parent_path() : spec.etc_dir,
                        EtcNetworkOf(stack, spec.extra_hosts));
  RunCgroup cgroup(spec.limits);

  ContainerPlan plan;
  plan.rootfs = plan.Keep(rootfs.string());
  PlanMounts(plan, points, etc, spec.shm_bytes);
  PlanRunMounts(plan, points, spec.mounts);
  points.Snapshot();
  PlanProcess(plan, spec, user, hostname, workdir);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw SysError("pipe", "", errno);
  Fd error_read(pipe_fds[0]);
  Fd error_write(pipe_fds[1]);
  plan.error_fd = error_write.get();
  // Lets init see a builder that died before init armed its parent-death
  // signal. pidfd_open came with Linux 5.3; before it that window stays open.
  const Fd builder_pidfd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
  plan.builder_pidfd = builder_pidfd.get();
  // A socket, not a pipe: sending to an init that died (an interrupt) must
  // fail with EPIPE, not raise SIGPIPE in the builder.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipe_fds) != 0) throw SysError("socketpair", "", errno);
  Fd go_read(pipe_fds[0]);
  Fd go_write(pipe_fds[1]);
  plan.go_read = go_read.get();
  plan.go_write = go_write.get();

  // The builder's buffered "Step N/M : RUN …" must come before the
  // command's own output, which goes straight to the shared descriptors.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);

  const pid_t pid = StartInit(plan, spec.network != RunNetwork::kHost, rootfs);
  int status = 0;
  std::string setup_error;
  {
    RunningContainer running(pid);
    error_write.reset();
    go_read.reset();
    std::optional<UserModeNetwork> network;
    ReleaseInit(pid, cgroup, stack, network, std::move(go_write));
    setup_error = ReadSetupError(error_read.get());
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) throw SysError("waitpid", rootfs.string(), errno);
    }
  }
  points.Cleanup();

  if (int sig = InterruptSignal()) throw Error("interrupted", "", InterruptExitCode(sig));
  if (!setup_error.empty()) throw Error(setup_error, rootfs.string());
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace ubuild::builder
