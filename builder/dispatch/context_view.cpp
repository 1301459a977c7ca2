#include "builder/dispatch/context_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {

namespace fs = std::filesystem;

namespace {

size_t Components(const std::string& rel) {
  if (rel.empty()) return 0;
  size_t n = 1;
  for (char c : rel) n += c == '/';
  return n;
}

class Hider {
 public:
  Hider(const DockerIgnore& ignore, const fs::path& upper) : ignore_(ignore), upper_(upper), depth_(ignore.WalkDepth()) {}

  // Walks the directory open at `fd` (`rel` in the context, `view` below the
  // bind's source).
  void Walk(int fd, const std::string& rel, const std::string& view, const DockerIgnore::WalkState& state) {
    Fd dup_fd(::dup(fd));
    DIR* d = dup_fd.valid() ? ::fdopendir(dup_fd.get()) : nullptr;
    if (d == nullptr) throw SysError("opendir", rel.empty() ? "." : rel, errno);
    dup_fd.release();
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    for (const std::string& name : names) {
      const std::string child = rel.empty() ? name : rel + "/" + name;
      const std::string child_view = view.empty() ? name : view + "/" + name;
      struct stat st {};
      if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("stat", child, errno);
      DockerIgnore::WalkState child_state;
      const bool excluded = ignore_.MatchInWalk(child, state, &child_state);
      const bool dir = S_ISDIR(st.st_mode);
      // Below the patterns' depth a kept path's verdict is its children's.
      if (!excluded) {
        if (dir && Components(child) < depth_) Descend(fd, child, child_view, st, child_state);
        continue;
      }
      // BuildKit (fsutil's walk) sends an excluded directory that an
      // exception pattern may re-enter, even when it then keeps nothing.
      if (dir && ignore_.HasExceptionsUnder(child)) {
        Descend(fd, child, child_view, st, child_state);
        continue;
      }
      Whiteout(child_view);
    }
  }

  // Gives `upper`'s root the source's attributes once its whiteouts are in.
  void Finish(const struct stat& root) { CopyAttributes(upper_, root); }

  size_t hidden() const { return hidden_; }

 private:
  struct OpenDir {
    std::string view;
    struct stat st;
    bool made;
  };

  void Descend(int parent_fd, const std::string& rel, const std::string& view, const struct stat& st,
               const DockerIgnore::WalkState& state) {
    Fd fd(::openat(parent_fd, view.substr(view.rfind('/') + 1).c_str(),
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) throw SysError("open", rel, errno);
    open_.push_back({view, st, false});
    Walk(fd.get(), rel, view, state);
    const OpenDir done = open_.back();
    open_.pop_back();
    // Its whiteouts are in, so its times stay as copied.
    if (done.made) CopyAttributes(upper_ / done.view, done.st);
  }

  // A whiteout at `view` (a 0/0 character device, overlay's mark for "not
  // here"), after the directories above it.
  void Whiteout(const std::string& view) {
    for (OpenDir& o : open_) {
      if (o.made) continue;
      const fs::path p = upper_ / o.view;
      if (::mkdir(p.c_str(), 0700) != 0) throw SysError("mkdir", p.string(), errno);
      o.made = true;
    }
    const fs::path p = upper_ / view;
    if (::mknod(p.c_str(), S_IFCHR, makedev(0, 0)) != 0) throw SysError("mknod", p.string(), errno);
    ++hidden_;
  }

  static void CopyAttributes(const fs::path& p, const struct stat& st) {
    // A rootless build cannot give an id its user namespace does not map:
    // the directory then stays its own, as a copy by that user would.
    if (::lchown(p.c_str(), st.st_uid, st.st_gid) != 0 && errno != EINVAL && errno != EPERM) {
      throw SysError("chown", p.string(), errno);
    }
    if (::chmod(p.c_str(), st.st_mode & 07777) != 0) throw SysError("chmod", p.string(), errno);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimes", p.string(), errno);
  }

  const DockerIgnore& ignore_;
  const fs::path upper_;
  const size_t depth_;
  std::vector<OpenDir> open_;  // the directories being walked below the source, outermost first
  size_t hidden_ = 0;
};

}  // namespace

size_t HideIgnored(const fs::path& context, const std::string& rel, const DockerIgnore& ignore,
                   const fs::path& upper) {
  const fs::path source = rel.empty() ? context : context / rel;
  Fd fd(::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", source.string(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw SysError("stat", source.string(), errno);
  Hider hider(ignore, upper);
  DockerIgnore::WalkState state;
  if (!ignore.empty() && (rel.empty() || Components(rel) < ignore.WalkDepth())) {
    bool excluded = false;
    if (rel.empty() || ignore.Reach(rel, &excluded, &state)) hider.Walk(fd.get(), rel, "", state);
  }
  hider.Finish(st);
  return hider.hidden();
}

}  // namespace ubuild::builder
