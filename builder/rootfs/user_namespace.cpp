#include "builder/rootfs/user_namespace.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "store/base/error.h"
#include "store/base/executable_search.h"
#include "store/base/fd.h"

namespace ubuild::builder {

namespace {

constexpr unsigned long kSuggestedStart = 100000;  // useradd's SUB_UID_MIN
constexpr unsigned long kSuggestedCount = 65536;   // useradd's SUB_UID_COUNT: every 16-bit id

struct Range {
  unsigned long start = 0;
  unsigned long count = 0;
};

struct SubordinateFile {
  std::optional<Range> mine;  // the first range for this user
  unsigned long end = 0;      // past the highest range anyone has
};

// /etc/subuid and /etc/subgid: "name-or-id:start:count" per line, as
// newuidmap reads them (shadow's subordinateio.c).
SubordinateFile ReadSubordinate(const char* file, const std::string& name, unsigned long id) {
  SubordinateFile out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string owner, start, count;
    if (!std::getline(fields, owner, ':') || !std::getline(fields, start, ':') || !std::getline(fields, count)) continue;
    char* end1 = nullptr;
    char* end2 = nullptr;
    const unsigned long s = std::strtoul(start.c_str(), &end1, 10);
    const unsigned long c = std::strtoul(count.c_str(), &end2, 10);
    if (start.empty() || count.empty() || *end1 != '\0' || *end2 != '\0' || c == 0) continue;
    out.end = std::max(out.end, s + c);
    if (!out.mine && (owner == name || owner == std::to_string(id))) out.mine = Range{s, c};
  }
  return out;
}

std::string UserName(uid_t uid) {
  const struct passwd* pw = ::getpwuid(uid);
  return pw != nullptr ? pw->pw_name : std::to_string(uid);
}

// The line useradd would add: the first free block above every range taken.
std::string SuggestedLine(const char* file, const std::string& name, unsigned long id) {
  const SubordinateFile f = ReadSubordinate(file, name, id);
  const unsigned long start = std::max(kSuggestedStart, f.end);
  return name + ":" + std::to_string(start) + ":" + std::to_string(kSuggestedCount);
}

void WriteProcFile(const std::string& path, const std::string& text) {
  const Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw SysError("write", path, errno);
  }
}

Error UnshareError(int err) {
  std::string what = std::string("cannot create a user namespace for rootless ubuild: ") + std::strerror(err);
  if (err == EPERM || err == ENOSPC) {
    what += " (user namespaces disabled? see /proc/sys/user/max_user_namespaces and, on Debian kernels, "
            "kernel.unprivileged_userns_clone; in a container, Docker's default seccomp profile refuses them: "
            "--security-opt seccomp=unconfined)";
  }
  return Error(what);
}

void Unshare() {
  if (::unshare(CLONE_NEWUSER) != 0) throw UnshareError(errno);
}

int Wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Forks a process that execs `argv` once a byte arrives on `go` (EOF: it
// exits 1 instead).
pid_t StartWhenTold(const std::vector<std::string>& argv, int go, int go_write_end) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw SysError("fork", "", errno);
  if (pid == 0) {
    ::close(go_write_end);
    char byte = 0;
    if (::read(go, &byte, 1) != 1) ::_exit(1);
    ::execv(cargv[0], cargv.data());
    std::fprintf(stderr, "ubuild: cannot run %s: %s\n", cargv[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

// The setuid helpers only map a process of their caller into ranges the
// files grant, and act on a pid from outside the namespace. So two children
// (one per helper, side by side) wait until this process has unshared, then
// exec the helpers on its pid.
void MapWithHelpers(const std::string& newuidmap, const std::string& newgidmap, uid_t uid, gid_t gid,
                    const Range& uids, const Range& gids) {
  int go[2];
  if (::pipe2(go, O_CLOEXEC) != 0) throw SysError("pipe", "", errno);
  const std::string pid = std::to_string(::getpid());
  std::vector<pid_t> helpers;
  int unshare_errno = 0;
  try {
    helpers.push_back(StartWhenTold({newuidmap, pid, "0", std::to_string(uid), "1", "1", std::to_string(uids.start),
                                     std::to_string(uids.count)},
                                    go[0], go[1]));
    helpers.push_back(StartWhenTold({newgidmap, pid, "0", std::to_string(gid), "1", "1", std::to_string(gids.start),
                                     std::to_string(gids.count)},
                                    go[0], go[1]));
    if (::unshare(CLONE_NEWUSER) != 0) {
      unshare_errno = errno;
    } else if (::write(go[1], "11", 2) != 2) {
      unshare_errno = errno;
    }
  } catch (...) {
    ::close(go[0]);
    ::close(go[1]);
    for (pid_t helper : helpers) Wait(helper);
    throw;
  }
  ::close(go[0]);
  ::close(go[1]);
  int failed = 0;
  for (pid_t helper : helpers) failed |= Wait(helper);
  if (unshare_errno != 0) throw UnshareError(unshare_errno);
  if (failed != 0) {
    throw Error("newuidmap/newgidmap could not map the subordinate ids " + std::to_string(uids.start) + "+" +
                std::to_string(uids.count) + " (uid) and " + std::to_string(gids.start) + "+" +
                std::to_string(gids.count) + " (gid); check /etc/subuid, /etc/subgid and that newuidmap and "
                "newgidmap are setuid root or have the setuid/setgid capabilities");
  }
}

}  // namespace

void EnterUserNamespace() {
  const uid_t uid = ::geteuid();
  if (uid == 0) return;
  const gid_t gid = ::getegid();
  const std::string name = UserName(uid);
  const SubordinateFile uids = ReadSubordinate("/etc/subuid", name, uid);
  const SubordinateFile gids = ReadSubordinate("/etc/subgid", name, uid);
  if (uids.mine && gids.mine) {
    const std::string newuidmap = FindExecutable("newuidmap");
    const std::string newgidmap = FindExecutable("newgidmap");
    if (newuidmap.empty() || newgidmap.empty()) {
      throw Error("rootless ubuild needs newuidmap and newgidmap to map the subordinate ids of " + name +
                  " in /etc/subuid and /etc/subgid; they are not on PATH: install them (Debian: apt-get install "
                  "uidmap)");
    }
    MapWithHelpers(newuidmap, newgidmap, uid, gid, *uids.mine, *gids.mine);
    // Supplementary groups are unmapped (nogroup) inside; drop them.
    (void)::setgroups(0, nullptr);
  } else {
    std::fprintf(stderr,
                 "ubuild: warning: %s has no subordinate ids in /etc/subuid and /etc/subgid: only your own id is "
                 "mapped, files owned by other users or groups cannot be stored\n",
                 name.c_str());
    Unshare();
    WriteProcFile("/proc/self/setgroups", "deny");
    WriteProcFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    WriteProcFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
  }
  // The ids are mapped, and unshare gave this process every capability in
  // the new namespace: it goes on as its root. podman and buildah re-exec
  // here because Go has threads by now; ubuild has none yet, and a second
  // exec would load its fifty libraries again (tens of ms on every command).
}

UserNamespaceMode CurrentUserNamespaceMode() {
  static const UserNamespaceMode mode = [] {
    std::ifstream in("/proc/self/uid_map");
    std::vector<Range> lines;
    unsigned long inside = 0, outside = 0, count = 0;
    while (in >> inside >> outside >> count) lines.push_back(Range{outside, count});
    if (lines.empty() || (lines.size() == 1 && lines[0].count == 4294967295UL)) return UserNamespaceMode::kHost;
    return lines.size() == 1 && lines[0].count == 1 ? UserNamespaceMode::kSingleId : UserNamespaceMode::kSubordinate;
  }();
  return mode;
}

std::string SingleIdHint() {
  if (CurrentUserNamespaceMode() != UserNamespaceMode::kSingleId) return {};
  // Inside, the user is 0; uid_map says who that is on the host.
  std::ifstream in("/proc/self/uid_map");
  unsigned long inside = 0, host_uid = 0, count = 0;
  in >> inside >> host_uid >> count;
  const std::string name = UserName(static_cast<uid_t>(host_uid));
  return "rootless ubuild found no subordinate ids for " + name +
         ", so only your own id is mapped (as root) and files owned by any other user or group cannot be "
         "stored; add this line to /etc/subuid:\n  " + SuggestedLine("/etc/subuid", name, host_uid) +
         "\nand this line to /etc/subgid:\n  " + SuggestedLine("/etc/subgid", name, host_uid);
}

}  // namespace ubuild::builder
