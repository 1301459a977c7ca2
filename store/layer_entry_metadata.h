#pragma once
// What a layer tar entry says about its file besides its name and data:
// owner, mode, extended attributes and mtime, read once so that the file can
// be written later, on another thread than the one reading the tar.
#include <archive_entry.h>
#include <sys/types.h>
#include <time.h>

#include <string>
#include <utility>
#include <vector>

namespace ubuild::store {

struct EntryMetadata {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t perm = 0;
  bool owner_set = false;  // the file was created with this owner already
  bool mode_set = false;   // ... and with this mode
  // Without overlay's own attributes, which would change what the layer means.
  std::vector<std::pair<std::string, std::string>> xattrs;
  struct timespec mtime {};
  bool has_default_acl() const;
};

EntryMetadata ReadEntryMetadata(struct archive_entry* e);

// Owner, mode (not for a symlink), xattrs and, if `set_mtime`, the mtime:
// through `fd` when it is open (a regular file just written), else by path.
void ApplyEntryMetadata(const EntryMetadata& m, const std::string& path, int fd, bool is_symlink, bool set_mtime);

}  // namespace ubuild::store
