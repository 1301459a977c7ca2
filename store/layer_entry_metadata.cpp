#include "store/layer_entry_metadata.h"

#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "store/base/error.h"
#include "store/overlay_xattrs.h"

namespace ubuild::store {

bool EntryMetadata::has_default_acl() const {
  for (const auto& [key, value] : xattrs) {
    if (key == "system.posix_acl_default") return true;
  }
  return false;
}

EntryMetadata ReadEntryMetadata(struct archive_entry* e) {
  EntryMetadata m;
  m.uid = static_cast<uid_t>(archive_entry_uid(e));
  m.gid = static_cast<gid_t>(archive_entry_gid(e));
  m.perm = archive_entry_perm(e);
  m.mtime.tv_sec = archive_entry_mtime(e);
  m.mtime.tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_xattr_reset(e) > 0) {
    const char* name;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      if (IsOverlayXattr(name)) continue;
      m.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
  }
  return m;
}

void ApplyEntryMetadata(const EntryMetadata& m, const std::string& path, int fd, bool is_symlink, bool set_mtime) {
  if (!m.owner_set && (fd >= 0 ? ::fchown(fd, m.uid, m.gid) : ::lchown(path.c_str(), m.uid, m.gid)) != 0) {
    throw SysError("lchown", path, errno);
  }
  // After chown, which clears setuid/setgid.
  if (!is_symlink && !m.mode_set) {
    if ((fd >= 0 ? ::fchmod(fd, m.perm) : ::chmod(path.c_str(), m.perm)) != 0) throw SysError("chmod", path, errno);
  }
  for (const auto& [key, value] : m.xattrs) {
    if ((fd >= 0 ? ::fsetxattr(fd, key.c_str(), value.data(), value.size(), 0)
                 : ::lsetxattr(path.c_str(), key.c_str(), value.data(), value.size(), 0)) != 0) {
      // Like Docker: a filesystem or file type that cannot hold the
      // attribute (user.* on a symlink) does not fail the layer.
      if (errno == ENOTSUP || errno == EPERM) continue;
      throw SysError("setxattr " + key, path, errno);
    }
  }
  if (!set_mtime) return;
  const struct timespec times[2] = {m.mtime, m.mtime};
  if ((fd >= 0 ? ::futimens(fd, times) : ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW)) != 0) {
    throw SysError("utimensat", path, errno);
  }
}

}  // namespace ubuild::store
