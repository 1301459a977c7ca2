// The container side of RunInContainer: runs as PID 1 of the new PID
// namespace, in its own mount/UTS/IPC (and maybe network) namespaces, and
// execs the RUN command itself, as Docker's classic builder does (no extra
// init: `echo $$` prints 1, and PID 1's signal rules are Docker's). Orphans
// are reaped by the kernel when PID 1 exits, which ends the namespace.
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "builder/run/capabilities.h"
#include "builder/run/container_plan.h"
#include "builder/run/seccomp_program.h"

namespace ubuild::builder {
namespace {

// Appends to a fixed buffer without allocating.
struct Line {
  char buf[1024];
  size_t len = 0;
  Line& operator<<(const char* s) {
    while (s && *s && len + 1 < sizeof buf) buf[len++] = *s++;
    buf[len] = '\0';
    return *this;
  }
};

[[noreturn]] void Fail(const ContainerPlan& plan, const char* what, const char* path, int err) {
  Line line;
  line << "container setup: " << what;
  if (path) line << " " << path;
  line << ": " << std::strerror(err);
  ssize_t ignored = ::write(plan.error_fd, line.buf, line.len);
  (void)ignored;
  ::_exit(125);
}

void RunOp(const ContainerPlan& plan, const SetupOp& op) {
  switch (op.kind) {
    case SetupOp::kMount:
      if (::mount(op.source, op.target, op.fstype, op.flags, op.data) != 0 && !op.optional) {
        Fail(plan, "mount", op.target, errno);
      }
      return;
    case SetupOp::kMkdir:
      if (::mkdir(op.target, op.mode) != 0 && errno != EEXIST) Fail(plan, "mkdir", op.target, errno);
      ::chmod(op.target, op.mode);
      return;
    case SetupOp::kSymlink:
      if (::symlink(op.source, op.target) != 0 && errno != EEXIST) Fail(plan, "symlink", op.target, errno);
      return;
    case SetupOp::kMask: {
      // Absent on this kernel: nothing to hide.
      struct stat st {};
      if (::stat(op.target, &st) != 0) return;
      const int rc = S_ISDIR(st.st_mode)
                         ? ::mount("tmpfs", op.target, "tmpfs", MS_RDONLY, "size=0k")
                         : ::mount(op.source, op.target, nullptr, MS_BIND, nullptr);
      if (rc != 0) Fail(plan, "mask", op.target, errno);
      return;
    }
    case SetupOp::kReadOnly: {
      struct stat st {};
      if (::stat(op.target, &st) != 0) return;
      if (::mount(op.target, op.target, nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
          ::mount(op.target, op.target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  nullptr) != 0) {
        Fail(plan, "remount read-only", op.target, errno);
      }
      return;
    }
    case SetupOp::kMknod:
      if (::mknod(op.target, op.mode, op.dev) == 0) {
        ::chmod(op.target, op.mode & 07777);
        return;
      }
      // Without CAP_MKNOD (nested in another container): bind the host's node.
      {
        const int fd = ::open(op.target, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0) Fail(plan, "create", op.target, errno);
        ::close(fd);
        if (::mount(op.source, op.target, nullptr, MS_BIND, nullptr) != 0) Fail(plan, "bind", op.target, errno);
      }
      return;
  }
}

void LoopbackUp(const ContainerPlan& plan) {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) Fail(plan, "socket", nullptr, errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) Fail(plan, "SIOCGIFFLAGS", "lo", errno);
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) Fail(plan, "SIOCSIFFLAGS", "lo", errno);
  ::close(s);
}

const char* ErrorText(int err) {
  switch (err) {
    case ENOENT: return "no such file or directory";
    case EACCES: return "permission denied";
    case ENOEXEC: return "exec format error";
    case ENOTDIR: return "not a directory";
    default: return std::strerror(err);
  }
}

// The parent-death signal is armed only from prctl() on: a builder killed
// before that sends none, and this init would run on as an orphan.
void ExitIfBuilderGone(const ContainerPlan& plan) {
  if (plan.builder_pidfd < 0) return;
  pollfd p{plan.builder_pidfd, POLLIN, 0};
  if (::poll(&p, 1, 0) > 0) ::_exit(1);
}

// The builder's process state that must not reach the RUN command.
void ResetInheritedState(const ContainerPlan& plan) {
  // The container dies with the builder even if the builder is SIGKILLed.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ExitIfBuilderGone(plan);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }

  // RUN has no stdin, as in Docker's classic builder.
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) Fail(plan, "open", "/dev/null", errno);
  if (::dup2(devnull, 0) < 0) Fail(plan, "dup2", "/dev/null", errno);
  ::close(devnull);
}

// Mounts everything the plan lists under the rootfs, then makes the rootfs
// "/" and the workdir the current directory.
void EnterRootfs(const ContainerPlan& plan) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) Fail(plan, "make-private", "/", errno);
  if (::mount(plan.rootfs, plan.rootfs, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    Fail(plan, "bind", plan.rootfs, errno);
  }
  for (const SetupOp& op : plan.ops) RunOp(plan, op);
  if (plan.own_network) LoopbackUp(plan);
  if (plan.hostname && ::sethostname(plan.hostname, std::strlen(plan.hostname)) != 0) {
    Fail(plan, "sethostname", plan.hostname, errno);
  }

  if (::chdir(plan.rootfs) != 0) Fail(plan, "chdir", plan.rootfs, errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) Fail(plan, "pivot_root", plan.rootfs, errno);
  // The old root is now stacked under "."; detach it so the host is gone.
  if (::umount2(".", MNT_DETACH) != 0) Fail(plan, "umount old root", nullptr, errno);
  if (::chdir("/") != 0) Fail(plan, "chdir", "/", errno);
  if (::chdir(plan.workdir) != 0) Fail(plan, "chdir", plan.workdir, errno);
}

void BecomeUser(const ContainerPlan& plan) {
  if (int rc = plan.all_capabilities ? 0 : DropBoundingSet(plan.last_cap); rc != 0) {
    Fail(plan, "drop capabilities", nullptr, -rc);
  }
  // Raw system calls: glibc's wrappers would try to sync credentials with
  // threads of the builder that do not exist in this cloned process.
  if (::syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) != 0) Fail(plan, "setgroups", nullptr, errno);
  if (::syscall(SYS_setgid, plan.gid) != 0) Fail(plan, "setgid", nullptr, errno);
  if (::syscall(SYS_setuid, plan.uid) != 0) Fail(plan, "setuid", nullptr, errno);
  if (plan.uid == 0 && !plan.all_capabilities) {
    if (int rc = LimitToDefaultSet(); rc != 0) Fail(plan, "capset", nullptr, -rc);
  }
  // A change of credentials clears the parent-death signal.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ExitIfBuilderGone(plan);
}

// Tries the exec candidates as execvp would; returns only if none ran, with
// the error to report.
int ExecCommand(const ContainerPlan& plan) {
  int first_error = 0;
  for (const char* candidate : plan.exec_candidates) {
    ::execve(candidate, plan.argv.data(), plan.envp.data());
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR || err == ELOOP || err == ENAMETOOLONG) {
      if (first_error == 0 || first_error == ENOENT) first_error = err;
      continue;
    }
    if (err == EACCES && plan.searched_path) {
      first_error = err;  // keep looking, like execvp, but report it if nothing runs
      continue;
    }
    first_error = err;
    break;
  }
  return first_error;
}

// Docker's message for a command that did not start, and its exit code.
[[noreturn]] void ExitNotStarted(const ContainerPlan& plan, int first_error) {
  const bool not_found = first_error == 0 || first_error == ENOENT || first_error == ENOTDIR ||
                         first_error == ELOOP || first_error == ENAMETOOLONG;
  Line line;
  if (plan.searched_path && not_found) {
    line << plan.not_found_message;
  } else {
    line << "exec: \"" << plan.argv[0] << "\": ";
    if (first_error == ENOENT) line << "stat " << plan.argv[0] << ": ";
    line << ErrorText(first_error);
  }
  line << "\n";
  ssize_t ignored = ::write(2, line.buf, line.len);
  (void)ignored;
  ::_exit(not_found ? 127 : 126);
}

// Until the builder has put this process in its cgroup and connected its
// network, nothing of the RUN may start. EOF means the builder gave up.
void WaitForGo(const ContainerPlan& plan) {
  ::close(plan.go_write);
  char go = 0;
  ssize_t n;
  while ((n = ::read(plan.go_read, &go, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) ::_exit(125);
  ::close(plan.go_read);
}

}  // namespace

int ContainerInit(void* arg) {
  const ContainerPlan& plan = *static_cast<const ContainerPlan*>(arg);
  ResetInheritedState(plan);
  WaitForGo(plan);
  ::umask(0);  // the setup ops' nodes get exactly the plan's modes
  EnterRootfs(plan);
  // Where runc installs it for Docker: while init still has CAP_SYS_ADMIN,
  // so no no_new_privs is needed, and before the credentials change.
  if (int rc = LoadSeccompProgram(plan.seccomp); rc != 0) Fail(plan, "seccomp", nullptr, -rc);
  // As runc does, while still root: a raised hard limit needs CAP_SYS_RESOURCE.
  for (const auto& [resource, limit] : plan.rlimits) {
    if (::setrlimit(resource, &limit) != 0) Fail(plan, "setrlimit (--ulimit)", nullptr, errno);
  }
  BecomeUser(plan);
  ::umask(022);  // what a Docker container's process starts with
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  ExitNotStarted(plan, ExecCommand(plan));
}

}  // namespace ubuild::builder
