#include "builder/rootfs/init_layer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "builder/rootfs/rooted_walk.h"
#include "store/base/error.h"
#include "store/base/lexical_path.h"
#include "store/base/fd.h"
#include "store/overlay_xattrs.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

bool IsWhiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }

bool IsOpaque(const fs::path& dir) {
  char value[2] = {};
  const ssize_t n = ::lgetxattr(dir.c_str(), store::OverlayOpaqueXattr(), value, sizeof value);
  return n == 1 && value[0] == 'y';
}

// A path as the overlay of the lower layers shows it.
struct Found {
  bool exists = false;
  struct stat st {};
  fs::path where;              // in the nearest layer that has it
  std::vector<size_t> layers;  // a directory: the layers that merge into it
};

// One directory level of a walk.
struct Level {
  std::string rel;
  std::vector<size_t> layers;  // empty: absent below
  fs::path where;
  struct stat st {};
};

class Builder {
 public:
  Builder(const std::vector<fs::path>& lower, const fs::path& dir) : lower_(lower), dir_(dir) {}

  // Resolves `path`; creates what is missing when `create`, else returns
  // false if anything is.
  bool Walk(const InitTarget& target, bool create);
  bool SetCopiedTimes();
  InitLayerPaths paths;
  bool unsupported = false;  // an attribute `dir_` cannot take

 private:
  Found Lookup(const std::string& rel, const std::vector<size_t>& layers) const;
  void CopyParents(const std::vector<Level>& stack);
  void Make(const std::string& rel, bool directory);

  const std::vector<fs::path>& lower_;
  fs::path dir_;
  std::map<std::string, bool> made_;  // rel -> directory
  std::map<std::string, Level> copied_;
  std::set<std::string> fresh_;  // copies whose time is their making's
};

Found Builder::Lookup(const std::string& rel, const std::vector<size_t>& layers) const {
  Found f;
  for (size_t idx : layers) {
    const fs::path p = lower_[idx] / rel;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) continue;
      throw SysError("stat", p.string(), errno);
    }
    if (IsWhiteout(st) || (f.exists && !S_ISDIR(st.st_mode))) break;
    if (!f.exists) {
      f.exists = true;
      f.st = st;
      f.where = p;
      if (!S_ISDIR(st.st_mode)) break;
    }
    f.layers.push_back(idx);
    if (IsOpaque(p)) break;
  }
  return f;
}

// Existing directories above a made entry: copies with their attributes.
void Builder::CopyParents(const std::vector<Level>& stack) {
  for (const Level& l : stack) {
    if (l.rel.empty() || l.layers.empty() || made_.count(l.rel) || copied_.count(l.rel)) continue;
    const fs::path p = dir_ / l.rel;
    if (::mkdir(p.c_str(), 0700) != 0) throw SysError("mkdir", p.string(), errno);
    copied_.emplace(l.rel, l);
    paths.copied.push_back(l.rel);
    // chown first: it clears set-id bits the chmod then restores.
    if (::lchown(p.c_str(), l.st.st_uid, l.st.st_gid) != 0 || ::chmod(p.c_str(), l.st.st_mode & 07777) != 0) {
      unsupported = true;
      return;
    }
    std::string names(4096, '\0');
    ssize_t n = ::llistxattr(l.where.c_str(), names.data(), names.size());
    if (n < 0) {
      if (errno == ENOTSUP) continue;
      unsupported = true;
      return;
    }
    names.resize(static_cast<size_t>(n));
    for (size_t at = 0; at < names.size();) {
      const std::string key = names.c_str() + at;
      at += key.size() + 1;
      if (store::IsOverlayXattr(key)) continue;
      std::string value(65536, '\0');
      const ssize_t len = ::lgetxattr(l.where.c_str(), key.c_str(), value.data(), value.size());
      if (len < 0 || ::lsetxattr(p.c_str(), key.c_str(), value.data(), static_cast<size_t>(len), 0) != 0) {
        unsupported = true;
        return;
      }
    }
  }
}

void Builder::Make(const std::string& rel, bool directory) {
  const fs::path p = dir_ / rel;
  if (directory) {
    if (::mkdir(p.c_str(), 0755) != 0) throw SysError("mkdir", "/" + rel, errno);
  } else {
    const Fd fd(::open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.valid()) throw SysError("create", "/" + rel, errno);
  }
  // Exactly these modes whatever the umask (or a set-group-id parent
  // passing its bit on), as Docker's MkdirAll makes them.
  if (::chmod(p.c_str(), directory ? 0755 : 0644) != 0) throw SysError("chmod", "/" + rel, errno);
  made_.emplace(rel, directory);
  paths.made.push_back(rel);
}

bool Builder::Walk(const InitTarget& target, bool create) {
  std::vector<size_t> all;
  for (size_t i = 0; i < lower_.size(); ++i) all.push_back(i);
  RootedWalk<Level> walk(target.path, Level{"", all, {}, {}});
  std::string c;
  while (walk.Next(c)) {
    const bool last = walk.Last();
    const std::string rel = JoinRel(walk.top().rel, c);
    if (auto it = made_.find(rel); it != made_.end()) {
      if (!last && !it->second) throw SysError("mkdir", "/" + rel, ENOTDIR);
      walk.Push(Level{rel, {}, {}, {}});
      continue;
    }
    const Found f = Lookup(rel, walk.top().layers);
    if (f.exists && S_ISLNK(f.st.st_mode)) {
      walk.Follow(ReadSymlink(AT_FDCWD, f.where.string(), "/" + rel));
      continue;
    }
    if (f.exists) {
      if (!last && !S_ISDIR(f.st.st_mode)) throw SysError("mkdir", "/" + rel, ENOTDIR);
      walk.Push(Level{rel, f.layers, f.where, f.st});
      continue;
    }
    if (!create) return false;
    CopyParents(walk.stack());
    if (unsupported) return false;
    Make(rel, !last || target.directory);
    if (last && target.fresh_parent) fresh_.insert(walk.top().rel);
    walk.Push(Level{rel, {}, {}, {}});
  }
  return true;
}

// Last: making children changed the copies' times.
bool Builder::SetCopiedTimes() {
  for (const auto& [rel, l] : copied_) {
    if (fresh_.count(rel)) continue;
    const timespec times[2] = {l.st.st_atim, l.st.st_mtim};
    if (::utimensat(AT_FDCWD, (dir_ / rel).c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return false;
  }
  return true;
}

}  // namespace

std::optional<InitLayerPaths> BuildInitLayer(const std::vector<fs::path>& lower, const fs::path& dir,
                                             const std::vector<InitTarget>& targets,
                                             const std::vector<std::string>& kept) {
  Builder b(lower, dir);
  for (const std::string& k : kept) {
    if (!b.Walk(InitTarget{k, true}, false)) return std::nullopt;
  }
  for (const InitTarget& t : targets) {
    if (!b.Walk(t, true)) return std::nullopt;
  }
  if (!b.SetCopiedTimes()) return std::nullopt;
  return std::move(b.paths);
}

bool RemoveInitLayer(const fs::path& dir, const InitLayerPaths& paths) {
  bool ok = true;
  for (auto it = paths.made.rbegin(); it != paths.made.rend(); ++it) {
    const fs::path p = dir / *it;
    ok = (::unlink(p.c_str()) == 0 || (errno == EISDIR && ::rmdir(p.c_str()) == 0)) && ok;
  }
  for (auto it = paths.copied.rbegin(); it != paths.copied.rend(); ++it) ok = ::rmdir((dir / *it).c_str()) == 0 && ok;
  return ::rmdir(dir.c_str()) == 0 && ok;
}

void RemoveInitWhiteouts(const fs::path& upper, const InitLayerPaths& paths) {
  for (auto it = paths.made.rbegin(); it != paths.made.rend(); ++it) {
    const fs::path p = upper / *it;
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && IsWhiteout(st)) ::unlink(p.c_str());
  }
}

}  // namespace ubuild::builder
