#include "builder/rootfs/rooted_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "store/base/error.h"

namespace ubuild::builder {

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

std::string JoinRel(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

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

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s = JoinRel(s, p);
  return s;
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
    std::string candidate = JoinRel(Join(done), c);
    struct stat st {};
    if (fstatat(root_fd, candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) throw SysError("stat", candidate, errno);
      missing = true;
      done.push_back(c);
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > 255) throw Error("too many levels of symbolic links", candidate);
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = readlinkat(root_fd, candidate.c_str(), target.data(), target.size());
      if (n < 0) throw SysError("readlink", candidate, errno);
      target.resize(static_cast<size_t>(n));
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
  r.rel = Join(done);
  if (!missing) {
    if (r.rel.empty()) {
      if (fstat(root_fd, &r.st) != 0) throw SysError("stat", ".", errno);
      r.exists = true;
    } else if (fstatat(root_fd, r.rel.c_str(), &r.st, AT_SYMLINK_NOFOLLOW) == 0) {
      r.exists = true;
    }
  }
  return r;
}

int OpenInRootAt(int root_fd, const std::string& path, int flags, unsigned mode) {
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags) | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* p = path.empty() ? "." : path.c_str();
  for (;;) {
    long fd = syscall(SYS_openat2, root_fd, p, &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

int OpenBeneathAt(int dir_fd, const std::string& path, int flags) {
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags) | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  const char* p = path.empty() ? "." : path.c_str();
  for (;;) {
    long fd = syscall(SYS_openat2, dir_fd, p, &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

std::string ParentRel(const std::string& rel) {
  const size_t s = rel.rfind('/');
  return s == std::string::npos ? "" : rel.substr(0, s);
}

}  // namespace ubuild::builder
