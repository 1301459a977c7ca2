#include "builder/run/user_mode_network.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "store/base/error.h"
#include "store/base/executable_search.h"

namespace ubuild::builder {

namespace {

// The descriptors the helper finds at fixed numbers.
constexpr int kReadyFd = 3;  // slirp4netns writes "1" here once configured; pasta's pid file
constexpr int kExitFd = 4;   // slirp4netns exits when this reaches EOF
constexpr int kNetnsFd = 5;  // pasta: the container's network namespace
constexpr auto kStartTimeout = std::chrono::seconds(30);

std::vector<std::string> HelperArgs(const UserModeStack& stack, pid_t pid) {
  if (stack.kind == UserModeStack::kSlirp4netns) {
    // As podman runs it: its own sandbox and seccomp filter, a large MTU
    // for throughput; no IPv6, as in Docker's default bridge.
    return {stack.program,      "--configure",       "--mtu=65520",
            "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp",
            "--ready-fd=" + std::to_string(kReadyFd), "--exit-fd=" + std::to_string(kExitFd),
            std::to_string(pid), "eth0"};
  }
  // -T/-U none: pasta would otherwise forward the namespace's own loopback
  // ports to the host's; --no-map-gw: the gateway address would reach the
  // host's loopback. Started as root, pasta would become nobody, who may
  // not enter the namespace; it drops its capabilities either way. The
  // namespace is passed open, as the process's would need ptrace rights.
  return {stack.program, "--config-net", "--foreground", "--quiet", "--ipv4-only", "--no-map-gw",
          "-t", "none", "-u", "none", "-T", "none", "-U", "none",
          "--dns-forward", stack.nameserver, "--ns-ifname", "eth0", "--runas", std::to_string(::geteuid()),
          "--pid", "/proc/self/fd/" + std::to_string(kReadyFd),
          "--netns", "/proc/self/fd/" + std::to_string(kNetnsFd)};
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  off_t at = 0;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The helper's last words, for the error message.
std::string Describe(int status, int log_fd) {
  std::string what = WIFEXITED(status)     ? "exited with code " + std::to_string(WEXITSTATUS(status))
                     : WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                           : "failed";
  const std::string log = ReadAll(log_fd);
  return log.empty() ? what : what + ": " + log;
}

}  // namespace

UserModeStack FindUserModeStack() {
  UserModeStack stack;
  if (std::string slirp = FindExecutable("slirp4netns"); !slirp.empty()) {
    stack.kind = UserModeStack::kSlirp4netns;
    stack.program = slirp;
    // slirp4netns's fixed 10.0.2.0/24 network: the container is .100, the
    // built-in DNS forwarder .3 (it asks the host's resolvers).
    stack.address = "10.0.2.100";
    stack.nameserver = "10.0.2.3";
    return stack;
  }
  if (std::string pasta = FindExecutable("pasta"); !pasta.empty()) {
    stack.kind = UserModeStack::kPasta;
    stack.program = pasta;
    // pasta gives the container the host's own address; 169.254.1.1 is the
    // link-local address podman has pasta map to the host's resolver.
    stack.address = "";
    stack.nameserver = "169.254.1.1";
    return stack;
  }
  throw Error(
      "RUN's default network needs slirp4netns or pasta (Debian packages slirp4netns, passt), and neither is in "
      "PATH; install one, or build with --network none (or host)");
}

namespace {

// What the helper finds at fixed descriptor numbers, opened before the fork.
struct HelperFds {
  Fd ready_read, ready_write;  // slirp4netns: a pipe; pasta: one memory file twice
  Fd exit_read;
  Fd log;  // the helper's stdout and stderr, for an error message
  Fd null;
  Fd netns;
};

HelperFds OpenHelperFds(UserModeStack::Kind kind, pid_t pid, Fd& exit_write) {
  HelperFds fds;
  int two[2] = {-1, -1};
  if (kind == UserModeStack::kSlirp4netns) {
    if (::pipe2(two, O_CLOEXEC) != 0) throw SysError("pipe", "", errno);
  } else {
    two[0] = ::memfd_create("pasta-pid", MFD_CLOEXEC);
    if (two[0] < 0) throw SysError("memfd_create", "", errno);
    two[1] = ::dup(two[0]);
  }
  fds.ready_read.reset(two[0]);
  fds.ready_write.reset(two[1]);
  if (::pipe2(two, O_CLOEXEC) != 0) throw SysError("pipe", "", errno);
  fds.exit_read.reset(two[0]);
  exit_write.reset(two[1]);
  fds.log.reset(::memfd_create("network-log", MFD_CLOEXEC));
  if (!fds.log.valid()) throw SysError("memfd_create", "", errno);
  fds.null.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fds.null.valid()) throw SysError("open", "/dev/null", errno);
  const std::string netns = "/proc/" + std::to_string(pid) + "/ns/net";
  fds.netns.reset(::open(netns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fds.netns.valid()) throw SysError("open", netns, errno);
  return fds;
}

// Forks and execs the helper; returns its pid.
pid_t Spawn(const std::vector<std::string>& args, const HelperFds& fds) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) {
    if (pid < 0) throw SysError("fork", args.front(), errno);
    return pid;
  }
  // Only async-signal-safe calls from here: the builder may have threads.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The helper's own sandbox (slirp4netns --enable-sandbox) remounts and
  // unmounts things; in a private copy of the mount table nothing of that
  // can reach the host's mounts (a Docker engine's container roots went
  // missing while it ran in the host's).
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(126);
  ::dup2(fds.null.get(), 0);
  ::dup2(fds.log.get(), 1);
  ::dup2(fds.log.get(), 2);
  const int ready = ::fcntl(fds.ready_write.get(), F_DUPFD, 10);
  const int exit_fd = ::fcntl(fds.exit_read.get(), F_DUPFD, 10);
  const int netns = ::fcntl(fds.netns.get(), F_DUPFD, 10);
  ::dup2(ready, kReadyFd);
  ::dup2(exit_fd, kExitFd);
  ::dup2(netns, kNetnsFd);
  ::close_range(kNetnsFd + 1, ~0U, 0);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

}  // namespace

UserModeNetwork::UserModeNetwork(const UserModeStack& stack, pid_t pid) : stack_(stack) {
  HelperFds fds = OpenHelperFds(stack.kind, pid, exit_write_);
  helper_ = Spawn(HelperArgs(stack, pid), fds);
  ready_read_ = std::move(fds.ready_read);
  log_ = std::move(fds.log);
}

void UserModeNetwork::WaitUntilConfigured() {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  auto failed = [&](int status) {
    helper_ = -1;
    return Error("RUN network: " + stack_.program + " " + Describe(status, log_.get()));
  };
  while (true) {
    int status = 0;
    if (::waitpid(helper_, &status, WNOHANG) == helper_) throw failed(status);
    if (stack_.kind == UserModeStack::kSlirp4netns) {
      pollfd p{ready_read_.get(), POLLIN, 0};
      if (::poll(&p, 1, 10) > 0) {
        char c = 0;
        if (::read(ready_read_.get(), &c, 1) == 1 && c == '1') return;
        // EOF without "1": the helper is on its way out; report its status.
        ::waitpid(helper_, &status, 0);
        throw failed(status);
      }
    } else {
      struct stat st {};
      if (::fstat(ready_read_.get(), &st) == 0 && st.st_size > 0) return;
      ::usleep(2000);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Stop();
      throw Error("RUN network: " + stack_.program + " did not configure the container's network within 30 s");
    }
  }
}

void UserModeNetwork::Stop() {
  exit_write_.reset();
  if (helper_ <= 0) return;
  // Nothing to flush: the container using the network has ended.
  ::kill(helper_, SIGKILL);
  while (::waitpid(helper_, nullptr, 0) < 0 && errno == EINTR) {
  }
  helper_ = -1;
}

UserModeNetwork::~UserModeNetwork() { Stop(); }

}  // namespace ubuild::builder
