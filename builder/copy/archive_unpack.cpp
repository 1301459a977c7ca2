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
  struct DirTimes {
    std::string rel;
    struct timespec times[2];
  };
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

    const uid_t uid = static_cast<uid_t>(archive_entry_uid(e));
    const gid_t gid = static_cast<gid_t>(archive_entry_gid(e));
    const mode_t perm = archive_entry_perm(e) & 07777;
    struct timespec times[2];
    times[0].tv_sec = archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
    times[0].tv_nsec = archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : archive_entry_mtime_nsec(e);
    times[1].tv_sec = archive_entry_mtime(e);
    times[1].tv_nsec = archive_entry_mtime_nsec(e);

    if (hardlink) {
      const std::string target = MemberPath(hardlink, what);
      ResolvedPath t = ResolveInTree(root_fd, JoinRel(dest_rel, target), /*clamp=*/true);
      if (!t.exists) throw Error("invalid hardlink " + member + " -> " + hardlink + ": target not found", what);
      if (linkat(root_fd, t.rel.c_str(), pdir.get(), name.c_str(), 0) != 0) throw SysError("link", where, errno);
      continue;
    }
    if (type == AE_IFDIR) {
      if (mkdirat(pdir.get(), name.c_str(), 0700) != 0 && errno != EEXIST) throw SysError("mkdir", where, errno);
      if (fchownat(pdir.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("chown", where, errno);
      if (fchmodat(pdir.get(), name.c_str(), perm, 0) != 0) throw SysError("chmod", where, errno);
      dir_times.push_back({rel, {times[0], times[1]}});
    } else if (type == AE_IFREG) {
      Fd out(openat(pdir.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out.valid()) throw SysError("create", where, errno);
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      for (;;) {
        int rr = archive_read_data_block(a.get(), &buf, &size, &offset);
        if (rr == ARCHIVE_EOF) break;
        if (rr < ARCHIVE_WARN) throw Error(std::string("cannot read archive: ") + archive_error_string(a.get()), where);
        size_t off = 0;
        while (off < size) {
          ssize_t w = pwrite(out.get(), static_cast<const char*>(buf) + off, size - off,
                             static_cast<off_t>(offset) + static_cast<off_t>(off));
          if (w < 0) {
            if (errno == EINTR) continue;
            throw SysError("write", where, errno);
          }
          off += static_cast<size_t>(w);
        }
      }
      if (ftruncate(out.get(), static_cast<off_t>(archive_entry_size(e))) != 0) throw SysError("truncate", where, errno);
      if (fchown(out.get(), uid, gid) != 0) throw SysError("chown", where, errno);
      if (fchmod(out.get(), perm) != 0) throw SysError("chmod", where, errno);
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      std::string t = target ? target : "";
      if (!t.empty() && t[0] != '/') {
        std::string joined = CleanPath(JoinRel(ParentRel(member), t));
        if (joined == ".." || joined.rfind("../", 0) == 0) {
          throw Error("invalid symlink " + member + " -> " + t + ": points outside the destination", what);
        }
      }
      if (symlinkat(t.c_str(), pdir.get(), name.c_str()) != 0) throw SysError("symlink", where, errno);
      if (fchownat(pdir.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("lchown", where, errno);
    } else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
      if (mknodat(pdir.get(), name.c_str(), type | 0600, archive_entry_rdev(e)) != 0) throw SysError("mknod", where, errno);
      if (fchownat(pdir.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("chown", where, errno);
      if (fchmodat(pdir.get(), name.c_str(), perm, 0) != 0) throw SysError("chmod", where, errno);
    } else {
      continue;  // sockets and unknown kinds: skipped
    }
    if (type != AE_IFDIR) {
      // xattrs from the archive (Docker applies them), then times.
      archive_entry_xattr_reset(e);
      const char* xname = nullptr;
      const void* xval = nullptr;
      size_t xsize = 0;
      while (archive_entry_xattr_next(e, &xname, &xval, &xsize) == ARCHIVE_OK) {
        std::string path = "/proc/self/fd/" + std::to_string(pdir.get()) + "/" + name;
        // As Docker's Untar: a filesystem that cannot hold it does not fail the copy.
        if (lsetxattr(path.c_str(), xname, xval, xsize, 0) != 0 && errno != ENOTSUP && errno != EPERM) {
          throw SysError(std::string("setxattr ") + xname, where, errno);
        }
      }
      if (utimensat(pdir.get(), name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimes", where, errno);
    }
  }
  // Directory times last: creating their children moved them.
  for (auto it = dir_times.rbegin(); it != dir_times.rend(); ++it) {
    Fd d(OpenInRootAt(root_fd, it->rel, O_RDONLY | O_DIRECTORY));
    if (!d.valid()) {
      if (errno == ENOENT || errno == ENOTDIR) continue;  // a later member replaced it
      throw SysError("open", what + ": /" + it->rel, errno);
    }
    if (futimens(d.get(), it->times) != 0) throw SysError("utimes", what + ": /" + it->rel, errno);
  }
}

}  // namespace ubuild::builder
