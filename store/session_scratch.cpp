#include "store/session_scratch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::store {

namespace fs = std::filesystem;

fs::path MakeScratchDir(const fs::path& session_dir, std::string_view prefix) {
  if (session_dir.empty()) throw Error("no store session to hold temporary files", std::string(prefix));
  std::string tmpl = (session_dir / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw SysError("mkdtemp", tmpl, errno);
  return tmpl;
}

std::string SocketScratchTemplate(const fs::path& session_dir, std::string_view prefix) {
  std::string tmpl = (session_dir / (std::string(prefix) + "-XXXXXX")).string();
  // "<dir>/<name>" plus the terminating NUL.
  if (!session_dir.empty() && tmpl.size() + 1 + kSocketNameMax < sizeof(sockaddr_un::sun_path)) return tmpl;
  return (fs::temp_directory_path() / ("ubuild-" + std::string(prefix) + "-XXXXXX")).string();
}

namespace {

// /proc/PID/cmdline, "" once the process is gone. A process can exit
// between the open and the read, which then fails with ESRCH: a killed
// build's processes do just as the next command sweeps (std::ifstream
// threw then, and the sweep, and so the command, failed).
std::string CommandLineOf(const fs::path& proc_dir) {
  const Fd fd(::open((proc_dir / "cmdline").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {};
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

void KillSessionHelpers(const fs::path& session_dir) {
  const std::string inside = session_dir.string() + "/";
  // SIGKILL takes effect when the process next runs, which on a busy
  // machine can be after the caller has removed the session and returned:
  // a pidfd of each says when it is gone.
  std::vector<Fd> dying;
  auto kill_helper = [&dying](pid_t pid) {
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    ::kill(pid, SIGKILL);
    if (pidfd.valid()) dying.push_back(std::move(pidfd));
  };
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    std::error_code cwd_ec;
    const std::string cwd = fs::read_symlink(entry.path() / "cwd", cwd_ec).string() + "/";
    if (!cwd_ec && cwd.compare(0, inside.size(), inside) == 0) {
      kill_helper(pid);
      continue;
    }
    const std::string cmdline = CommandLineOf(entry.path());
    for (size_t at = 0; at < cmdline.size();) {
      const size_t end = cmdline.find('\0', at);
      if (cmdline.compare(at, inside.size(), inside) == 0) {
        kill_helper(pid);
        break;
      }
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  // Bounded: a process stuck in the kernel (D state) must not hang the sweep.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (const Fd& pidfd : dying) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd.get(), POLLIN, 0};
    if (left.count() > 0) ::poll(&p, 1, static_cast<int>(left.count()));
  }
}

}  // namespace ubuild::store
