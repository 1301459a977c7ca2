#include "builder/run/mount_points.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "builder/rootfs/fuse_overlayfs.h"
#include "builder/rootfs/overlay_mount.h"
#include "builder/rootfs/rooted_walk.h"
#include "store/base/error.h"
#include "store/base/lexical_path.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

bool SameTime(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

size_t Depth(const std::string& rel) { return static_cast<size_t>(std::count(rel.begin(), rel.end(), '/')); }

}  // namespace

MountPoints::MountPoints(const fs::path& rootfs, const fs::path& upper)
    : rootfs_(rootfs), upper_(upper), fuse_(!upper.empty() && OverlayMount::IsFuseAt(rootfs)) {
  root_fd_.reset(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_.valid()) throw SysError("open", rootfs.string(), errno);
}

MountPoints::~MountPoints() {
  Cleanup();
}

fs::path MountPoints::DiffPath(const std::string& rel) const { return (upper_.empty() ? rootfs_ : upper_) / rel; }

// Directories that exist only below the upperdir get copied up when we create
// something inside them; they are ours to remove as long as nothing else
// lands in them.
void MountPoints::NoteCopyUps(const std::vector<std::string>& parents) {
  if (upper_.empty()) return;
  for (const std::string& rel : parents) {
    if (rel.empty()) continue;  // the root: the upperdir's own
    struct stat st {};
    if (::lstat((upper_ / rel).c_str(), &st) == 0) continue;
    const bool known = std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.rel == rel; });
    if (!known) entries_.push_back({rel, true, true});
  }
}

std::string MountPoints::Walk(const std::string& path, bool directory, bool record) {
  RootedWalk<std::string> walk(path, "");
  std::string c;
  while (walk.Next(c)) {
    const bool last = walk.Last();
    const std::string rel = JoinRel(walk.top(), c);
    struct stat st {};
    if (::fstatat(root_fd_.get(), rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISLNK(st.st_mode)) {
        walk.Follow(ReadSymlink(root_fd_.get(), rel, "/" + rel));
        continue;
      }
      if (!last && !S_ISDIR(st.st_mode)) throw SysError("mkdir", "/" + rel, ENOTDIR);
      walk.Push(rel);
      continue;
    }
    if (errno != ENOENT) throw SysError("stat", "/" + rel, errno);
    if (record) NoteCopyUps(walk.stack());
    const bool make_dir = !last || directory;
    if (make_dir) {
      if (::mkdirat(root_fd_.get(), rel.c_str(), 0755) != 0) throw SysError("mkdir", "/" + rel, errno);
      // Exactly 0755 whatever our umask (or a default ACL), as Docker's
      // MkdirAll under its daemon umask. A stat, not a chmod each time: a
      // chmod is a journal entry on the store's filesystem.
      struct stat made {};
      if (::fstatat(root_fd_.get(), rel.c_str(), &made, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("stat", "/" + rel, errno);
      if ((made.st_mode & 07777) != 0755 && ::fchmodat(root_fd_.get(), rel.c_str(), 0755, 0) != 0) {
        throw SysError("chmod", "/" + rel, errno);
      }
    } else {
      const Fd fd(::openat(root_fd_.get(), rel.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
      if (!fd.valid()) throw SysError("create", "/" + rel, errno);
    }
    if (record) entries_.push_back({rel, make_dir, false});
    walk.Push(rel);
  }
  return walk.top();
}

fs::path MountPoints::Ensure(const std::string& path, bool directory) {
  const std::string rel = Walk(path, directory, true);
  return rel.empty() ? rootfs_ : rootfs_ / rel;
}

fs::path MountPoints::EnsureKeptDirectory(const std::string& path) {
  const std::string rel = Walk(path, true, false);
  return rel.empty() ? rootfs_ : rootfs_ / rel;
}

void MountPoints::Snapshot() {
  for (auto& e : entries_) e.snapped = ::lstat(DiffPath(e.rel).c_str(), &e.snap) == 0;
}

void MountPoints::Cleanup() {
  if (cleaned_ || !root_fd_.valid()) return;
  cleaned_ = true;
  // Decide first, remove after: removing a child changes its parent's mtime.
  std::vector<const Entry*> order;
  for (const auto& e : entries_) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(),
                   [](const Entry* a, const Entry* b) { return Depth(a->rel) > Depth(b->rel); });
  Remove(order, Removable(order));
}

namespace {

// The container left the entry as Snapshot() saw it (an empty file stays empty).
bool Untouched(const struct stat& now, const struct stat& snap, bool directory) {
  return now.st_ino == snap.st_ino && now.st_mode == snap.st_mode && SameTime(now.st_mtim, snap.st_mtim) &&
         SameTime(now.st_ctim, snap.st_ctim) && (directory || now.st_size == 0);
}

// The directory `rel` (at host path `dir`) holds nothing but entries already
// found removable (and, on fuse-overlayfs, its opaque markers); false if it
// cannot be read.
bool HoldsOnly(const fs::path& dir, const std::string& rel, const std::set<std::string>& removable, bool fuse) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool only_ours = true;
  while (dirent* de = ::readdir(d)) {
    const std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    if (fuse && IsFuseOpaqueMarker(::dirfd(d), de->d_name)) continue;
    if (!removable.count(rel + "/" + name)) only_ours = false;
  }
  ::closedir(d);
  return only_ours;
}

struct DeferredRemoval {
  std::string rel;
  bool directory;
  struct stat snap;
};

// Removes each entry, deepest first, from `upper` once the overlay on
// `rootfs` is unmounted, if it is still the one seen now (and a directory
// empty but for fuse-overlayfs's markers). All are checked before any goes:
// removing a child changes its parent's times.
void RemoveAtUnmount(const fs::path& rootfs, const fs::path& upper, bool fuse, std::vector<DeferredRemoval> deferred) {
  OverlayMount::AtUnmount(rootfs, [upper, fuse, deferred = std::move(deferred)] {
    std::vector<bool> unchanged;
    for (const auto& d : deferred) {
      struct stat now {};
      unchanged.push_back(::lstat((upper / d.rel).c_str(), &now) == 0 && now.st_ino == d.snap.st_ino &&
                          SameTime(now.st_mtim, d.snap.st_mtim) && SameTime(now.st_ctim, d.snap.st_ctim));
    }
    for (size_t i = 0; i < deferred.size(); ++i) {
      if (!unchanged[i]) continue;
      const fs::path p = upper / deferred[i].rel;
      if (!deferred[i].directory) {
        ::unlink(p.c_str());
        continue;
      }
      if (fuse) {
        const Fd dir(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir.valid()) continue;
        RemoveFuseOpaqueMarkers(dir.get());
      }
      ::rmdir(p.c_str());  // fails, as it should, if anything else is inside
    }
  });
}

}  // namespace

std::set<std::string> MountPoints::Removable(const std::vector<const Entry*>& deepest_first) const {
  std::set<std::string> removable;
  for (const Entry* e : deepest_first) {
    if (!e->snapped) continue;
    struct stat now {};
    if (::lstat(DiffPath(e->rel).c_str(), &now) != 0) continue;
    if (!Untouched(now, e->snap, e->directory)) continue;
    if (e->directory && !HoldsOnly(DiffPath(e->rel), e->rel, removable, fuse_)) continue;
    removable.insert(e->rel);
  }
  return removable;
}

void MountPoints::Remove(const std::vector<const Entry*>& deepest_first, const std::set<std::string>& removable) {
  std::vector<DeferredRemoval> deferred;
  for (const Entry* e : deepest_first) {
    if (!removable.count(e->rel)) continue;
    if (!e->copied_up && !fuse_) {
      // Created by us and absent below: removing it through the kernel's
      // overlay leaves no whiteout.
      ::unlinkat(root_fd_.get(), e->rel.c_str(), e->directory ? AT_REMOVEDIR : 0);
      continue;
    }
    // A copied-up directory cannot be removed through the overlay (that
    // would whiteout the lower one) nor under it (its cache would go stale),
    // and fuse-overlayfs leaves a whiteout for whatever is removed through
    // it: the unchanged upper copy goes once the overlay is unmounted.
    DeferredRemoval d{e->rel, e->directory, {}};
    if (::lstat((upper_ / e->rel).c_str(), &d.snap) == 0) deferred.push_back(d);
  }
  if (!deferred.empty()) RemoveAtUnmount(rootfs_, upper_, fuse_, std::move(deferred));
}

}  // namespace ubuild::builder
