#include "builder/dispatch/context_view.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_set>

#include "builder/copy/source_hash.h"
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

std::vector<std::string> Names(int fd, const std::string& rel) {
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
  std::sort(names.begin(), names.end());
  return names;
}

// Collects what to hide in the directory open at `fd` (`rel` in the
// context, `view` below the bind's source).
void Walk(const DockerIgnore& ignore, size_t depth, int fd, const std::string& rel, const std::string& view,
          const DockerIgnore::WalkState& state, std::vector<std::string>* hidden) {
  for (const std::string& name : Names(fd, rel)) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    const std::string child_view = view.empty() ? name : view + "/" + name;
    struct stat st {};
    if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("stat", child, errno);
    DockerIgnore::WalkState child_state;
    const bool excluded = ignore.MatchInWalk(child, state, &child_state);
    // Below the patterns' depth a kept path's verdict is its children's;
    // BuildKit (fsutil's walk) sends an excluded directory that an
    // exception pattern may re-enter, even when it then keeps nothing.
    const bool enter = S_ISDIR(st.st_mode) &&
                       (excluded ? ignore.HasExceptionsUnder(child) : Components(child) < depth);
    if (excluded && !enter) {
      hidden->push_back(child_view);
      continue;
    }
    if (!enter) continue;
    Fd child_fd(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child_fd.valid()) throw SysError("open", child, errno);
    Walk(ignore, depth, child_fd.get(), child, child_view, child_state, hidden);
  }
}

struct stat Lstat(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) throw SysError("stat", p.string(), errno);
  return st;
}

void CopyAttributes(const fs::path& p, const struct stat& st) {
  // Only what differs from the fresh directory's: each change is a journal
  // entry on the store's filesystem, made for every RUN with the view.
  const struct stat now = Lstat(p);
  // A rootless build cannot give an id its user namespace does not map:
  // the directory then stays its own, as a copy by that user would.
  if ((now.st_uid != st.st_uid || now.st_gid != st.st_gid) && ::lchown(p.c_str(), st.st_uid, st.st_gid) != 0 &&
      errno != EINVAL && errno != EPERM) {
    throw SysError("chown", p.string(), errno);
  }
  if ((now.st_mode & 07777) != (st.st_mode & 07777) && ::chmod(p.c_str(), st.st_mode & 07777) != 0) {
    throw SysError("chmod", p.string(), errno);
  }
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimes", p.string(), errno);
}

}  // namespace

std::vector<std::string> IgnoredUnder(const fs::path& context, const std::string& rel, const DockerIgnore& ignore) {
  std::vector<std::string> hidden;
  const size_t depth = ignore.WalkDepth();
  if (ignore.empty() || (!rel.empty() && Components(rel) >= depth)) return hidden;
  DockerIgnore::WalkState state;
  bool excluded = false;
  if (!rel.empty() && !ignore.Reach(rel, &excluded, &state)) return hidden;
  const fs::path source = rel.empty() ? context : context / rel;
  Fd fd(::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", source.string(), errno);
  Walk(ignore, depth, fd.get(), rel, "", state, &hidden);
  return hidden;
}

void MakeWhiteouts(const fs::path& source, const std::vector<std::string>& hidden, const fs::path& upper) {
  std::vector<std::pair<std::string, struct stat>> made;  // the directories above whiteouts, parents first
  std::unordered_set<std::string> made_names;
  for (const std::string& h : hidden) {
    for (size_t slash = h.find('/'); slash != std::string::npos; slash = h.find('/', slash + 1)) {
      const std::string dir = h.substr(0, slash);
      if (!made_names.insert(dir).second) continue;
      const fs::path p = upper / dir;
      if (::mkdir(p.c_str(), 0700) != 0) throw SysError("mkdir", p.string(), errno);
      made.emplace_back(dir, Lstat(source / dir));
    }
    // A 0/0 character device: overlay's mark for "not here".
    const fs::path p = upper / h;
    if (::mknod(p.c_str(), S_IFCHR, makedev(0, 0)) != 0) throw SysError("mknod", p.string(), errno);
  }
  // Deepest first, once every entry is in, so the copied times stay.
  for (auto it = made.rbegin(); it != made.rend(); ++it) CopyAttributes(upper / it->first, it->second);
  CopyAttributes(upper, Lstat(source));
}

const std::string& ContextBindHash(BuildContext& ctx, const std::string& rel) {
  auto [it, fresh] = ctx.bind_source_hashes.try_emplace(rel);
  if (fresh) {
    CopySpec spec;
    spec.sources = {rel.empty() ? "." : rel};
    spec.source_root = ctx.options.context;
    spec.ignore = &ctx.ignore;
    try {
      it->second = SourceHash(spec, &ctx.context_digest_cache);
    } catch (...) {
      ctx.bind_source_hashes.erase(it);
      throw;
    }
  }
  return it->second;
}

}  // namespace ubuild::builder
