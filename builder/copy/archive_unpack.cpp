#include "builder/copy/archive_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "builder/copy/file_copier.h"
#include "builder/copy/go_glob.h"
#include "builder/rootfs/rooted_path.h"
#include "store/base/error.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

namespace {

struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveCloser>;

ArchivePtr OpenTar(int fd) {
  if (lseek(fd, 0, SEEK_SET) != 0) return nullptr;
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK) return nullptr;
  return a;
}

std::string Base(const std::string& rel) {
  size_t s = rel.rfind('/');
  return s == std::string::npos ? rel : rel.substr(s + 1);
}

// A member name as a clean path relative to the destination, or throws.
std::string MemberPath(const char* raw, const std::string& what) {
  std::string name = raw ? raw : "";
  while (!name.empty() && name[0] == '/') name.erase(0, 1);
  std::string clean = CleanPath(name);
  if (clean == "..") throw Error("invalid archive member " + name + ": escapes the destination", what);
  if (clean.rfind("../", 0) == 0) throw Error("invalid archive member " + name + ": escapes the destination", what);
  return clean == "." ? "" : clean;
}

// What the archive says about one member, and where it lands: its parent
// directory is open and nothing of another kind is left at its name.
struct Member {
  struct archive_entry* e;
  const std::string& what;   // names the archive in errors
  const std::string& path;   // clean, relative to the destination
  const std::string& where;  // names the member in errors
  int pdir;
  const std::string& name;   // its name in pdir
  uid_t uid;
  gid_t gid;
  mode_t perm;
};

// atime (mtime when the archive has none), then mtime, as utimensat takes them.
void EntryTimes(struct archive_entry* e, struct timespec times[2]) {
  times[0].tv_sec = archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
  times[0].tv_nsec = archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : archive_entry_mtime_nsec(e);
  times[1].tv_sec = archive_entry_mtime(e);
  times[1].tv_nsec = archive_entry_mtime_nsec(e);
}

void LinkHardlink(int root_fd, const std::string& dest_rel, const Member& m, const char* hardlink) {
  const std::string target = MemberPath(hardlink, m.what);
  ResolvedPath t = ResolveInTree(root_fd, JoinRel(dest_rel, target), /*clamp=*/true);
  if (!t.exists) throw Error("invalid hardlink " + m.path + " -> " + hardlink + ": target not found", m.what);
  if (linkat(root_fd, t.rel.c_str(), m.pdir, m.name.c_str(), 0) != 0) throw SysError("link", m.where, errno);
}

// Its times are set last (RestoreDirTimes).
void MakeDirectory(const Member& m) {
  if (mkdirat(m.pdir, m.name.c_str(), 0700) != 0 && errno != EEXIST) throw SysError("mkdir", m.where, errno);
  if (fchownat(m.pdir, m.name.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("chown", m.where, errno);
  if (fchmodat(m.pdir, m.name.c_str(), m.perm, 0) != 0) throw SysError("chmod", m.where, errno);
}

// pwrite at the archive's offsets, so the holes of a sparse member stay
// holes; the final size comes from the header.
void WriteRegularFile(struct archive* a, const Member& m) {
  Fd out(openat(m.pdir, m.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) throw SysError("create", m.where, errno);
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  for (;;) {
    int rr = archive_read_data_block(a, &buf, &size, &offset);
    if (rr == ARCHIVE_EOF) break;
    if (rr < ARCHIVE_WARN) throw Error(std::string("cannot read archive: ") + archive_error_string(a), m.where);
    size_t off = 0;
    while (off < size) {
      ssize_t w = pwrite(out.get(), static_cast<const char*>(buf) + off, size - off,
                         static_cast<off_t>(offset) + static_cast<off_t>(off));
      if (w < 0) {
        if (errno == EINTR) continue;
        throw SysError("write", m.where, errno);
      }
      off += static_cast<size_t>(w);
    }
  }
  if (ftruncate(out.get(), static_cast<off_t>(archive_entry_size(m.e))) != 0) throw SysError("truncate", m.where, errno);
  if (fchown(out.get(), m.uid, m.gid) != 0) throw SysError("chown", m.where, errno);
  if (fchmod(out.get(), m.perm) != 0) throw SysError("chmod", m.where, errno);
}

// A symlink is stored as the archive has it, whatever it points at: Docker
// 20.10 unpacks ADD's archives chrooted into the destination, where every
// relative target (`lib -> ../usr/lib`) stays inside, and no link is ever
// followed on the host. What must stay inside the image is extraction
// through links, which the members' parents' ResolveInTree ensures.
void MakeSymlink(const Member& m) {
  const char* target = archive_entry_symlink(m.e);
  std::string t = target ? target : "";
  if (symlinkat(t.c_str(), m.pdir, m.name.c_str()) != 0) throw SysError("symlink", m.where, errno);
  if (fchownat(m.pdir, m.name.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("lchown", m.where, errno);
}

void MakeNode(const Member& m, mode_t type) {
  if (mknodat(m.pdir, m.name.c_str(), type | 0600, archive_entry_rdev(m.e)) != 0) throw SysError("mknod", m.where, errno);
  if (fchownat(m.pdir, m.name.c_str(), m.uid, m.gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("chown", m.where, errno);
  if (fchmodat(m.pdir, m.name.c_str(), m.perm, 0) != 0) throw SysError("chmod", m.where, errno);
}

// Creates a member that is not a directory or a hard link; false for the
// kinds that are skipped (sockets, unknown types).
bool MakeNonDirectory(struct archive* a, const Member& m, mode_t type) {
  if (type == AE_IFREG) {
    WriteRegularFile(a, m);
  } else if (type == AE_IFLNK) {
    MakeSymlink(m);
  } else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
    MakeNode(m, type);
  } else {
    return false;
  }
  return true;
}

// xattrs from the archive (Docker applies them), then times.
void ApplyXattrsAndTimes(const Member& m, const struct timespec times[2]) {
  archive_entry_xattr_reset(m.e);
  const char* xname = nullptr;
  const void* xval = nullptr;
  size_t xsize = 0;
  while (archive_entry_xattr_next(m.e, &xname, &xval, &xsize) == ARCHIVE_OK) {
    std::string path = "/proc/self/fd/" + std::to_string(m.pdir) + "/" + m.name;
    // As Docker's Untar: a filesystem that cannot hold it does not fail the copy.
    if (lsetxattr(path.c_str(), xname, xval, xsize, 0) != 0 && errno != ENOTSUP && errno != EPERM) {
      throw SysError(std::string("setxattr ") + xname, m.where, errno);
    }
  }
  if (utimensat(m.pdir, m.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimes", m.where, errno);
}

struct DirTimes {
  std::string rel;
  struct timespec times[2];
};

// Directory times last: creating their children moved them.
void RestoreDirTimes(int root_fd, const std::vector<DirTimes>& dir_times, const std::string& what) {
  for (auto it = dir_times.rbegin(); it != dir_times.rend(); ++it) {
    Fd d(OpenInRootAt(root_fd, it->rel, O_RDONLY | O_DIRECTORY));
    if (!d.valid()) {
      if (errno == ENOENT || errno == ENOTDIR) continue;  // a later member replaced it
      throw SysError("open", what + ": /" + it->rel, errno);
    }
    if (futimens(d.get(), it->times) != 0) throw SysError("utimes", what + ": /" + it->rel, errno);
  }
}

}  // namespace

bool IsTarArchive(int fd) {
  bool ok = false;
  {
    ArchivePtr a = OpenTar(fd);
    struct archive_entry* e = nullptr;
    ok = a && archive_read_next_header(a.get(), &e) == ARCHIVE_OK;
  }
  lseek(fd, 0, SEEK_SET);
  return ok;
}

void UnpackArchive(int fd, int root_fd, const std::string& dest_rel, const std::string& what) {
  ArchivePtr a = OpenTar(fd);
  if (!a) throw Error("cannot read archive", what);
  FileCopier dirs(root_fd, -1, CopyOwner{}, std::nullopt);
  std::vector<DirTimes> dir_times;

  for (;;) {
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw Error(std::string("cannot read archive: ") + archive_error_string(a.get()), what);
    const std::string member = MemberPath(archive_entry_pathname(e), what);
    if (member.empty()) continue;  // "./": the destination itself stays as it is
    const std::string where = what + ": " + member;

    // The member's parent, created like Docker (0755, root) and resolved
    // inside the image root.
    ResolvedPath parent = ResolveInTree(root_fd, JoinRel(dest_rel, ParentRel(member)), /*clamp=*/true);
    Fd pdir = dirs.MkdirAll(parent.rel, 0, 0, nullptr);
    const std::string name = Base(member);
    const std::string rel = JoinRel(parent.rel, name);
    const mode_t type = archive_entry_filetype(e);
    const char* hardlink = archive_entry_hardlink(e);

    struct stat cur {};
    if (fstatat(pdir.get(), name.c_str(), &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
        !(S_ISDIR(cur.st_mode) && type == AE_IFDIR && !hardlink)) {
      // Docker removes whatever is there unless both are directories.
      dirs.RemoveExisting(pdir.get(), name, rel);
    }

    const Member m{e, what, member, where, pdir.get(), name, static_cast<uid_t>(archive_entry_uid(e)),
                   static_cast<gid_t>(archive_entry_gid(e)), static_cast<mode_t>(archive_entry_perm(e) & 07777)};
    struct timespec times[2];
    EntryTimes(e, times);
    if (hardlink) {
      LinkHardlink(root_fd, dest_rel, m, hardlink);
    } else if (type == AE_IFDIR) {
      MakeDirectory(m);
      dir_times.push_back({rel, {times[0], times[1]}});
    } else if (MakeNonDirectory(a.get(), m, type)) {
      ApplyXattrsAndTimes(m, times);
    }
  }
  RestoreDirTimes(root_fd, dir_times, what);
}

}  // namespace ubuild::builder
