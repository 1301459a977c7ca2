#include "builder/rootfs/rooted_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

void SplitInto(std::string_view path, std::deque<std::string>* out, bool front) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (front) {
    out->insert(out->begin(), parts.begin(), parts.end());
  } else {
    out->insert(out->end(), parts.begin(), parts.end());
  }
}

// The target of the symlink `st` describes; st_size is its length.
std::string ReadLinkAt(int root_fd, const std::string& link, const struct stat& st) {
  std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
  ssize_t n = readlinkat(root_fd, link.c_str(), target.data(), target.size());
  if (n < 0) throw SysError("readlink", link, errno);
  target.resize(static_cast<size_t>(n));
  return target;
}

// Fills r.st and r.exists for a walk that found every component: the last
// one was followed already, so it is no symlink unless it vanished since.
void StatResolved(int root_fd, ResolvedPath& r) {
  if (r.rel.empty()) {
    if (fstat(root_fd, &r.st) != 0) throw SysError("stat", ".", errno);
    r.exists = true;
  } else if (fstatat(root_fd, r.rel.c_str(), &r.st, AT_SYMLINK_NOFOLLOW) == 0) {
    r.exists = true;
  }
}

}  // namespace

ResolvedPath ResolveInTree(int root_fd, std::string_view path, bool clamp) {
  ResolvedPath r;
  std::deque<std::string> todo;
  SplitInto(path, &todo, false);
  std::vector<std::string> done;
  int links = 0;
  bool missing = false;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      if (done.empty()) {
        if (!clamp) {
          r.escaped = true;
          return r;
        }
        continue;
      }
      done.pop_back();
      continue;
    }
    if (missing) {
      done.push_back(c);
      continue;
    }
    std::string candidate = JoinRel(Join(done, "/"), c);
    struct stat st {};
    if (fstatat(root_fd, candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) throw SysError("stat", candidate, errno);
      missing = true;
      done.push_back(c);
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > 255) throw Error("too many levels of symbolic links", candidate);
      std::string target = ReadLinkAt(root_fd, candidate, st);
      if (!target.empty() && target[0] == '/') {
        if (!clamp) {
          r.escaped = true;
          return r;
        }
        done.clear();
      }
      SplitInto(target, &todo, true);
      continue;
    }
    if (!S_ISDIR(st.st_mode) && !todo.empty()) {
      // A file used as a directory: nothing below it exists.
      missing = true;
    }
    done.push_back(c);
  }
  r.rel = Join(done, "/");
  if (!missing) StatResolved(root_fd, r);
  return r;
}

namespace {

// The one openat2 call. The kernel answers EAGAIN when a rename or mount
// raced with a RESOLVE_IN_ROOT/RESOLVE_BENEATH lookup, and asks to retry.
int Openat2(int dir_fd, const std::string& path, int flags, unsigned mode, unsigned long long resolve) {
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags) | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = resolve;
  const char* p = path.empty() ? "." : path.c_str();
  for (;;) {
    long fd = syscall(SYS_openat2, dir_fd, p, &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

}  // namespace

int OpenInRootAt(int root_fd, const std::string& path, int flags, unsigned mode) {
  return Openat2(root_fd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int OpenBeneathAt(int dir_fd, const std::string& path, int flags) {
  return Openat2(dir_fd, path, flags, 0,
                 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
}

}  // namespace ubuild::builder
