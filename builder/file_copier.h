#pragma once
// Writes files into an image root the way Docker's classic builder leaves
// them after COPY (tar copy + fixPermissions), in one pass with
// copy_file_range:
// - modes and mtimes (files, dirs, symlinks) kept, hard links inside one
//   copied tree kept as hard links, symlinks copied as symlinks;
// - with an owner to apply (context sources, or --chown), every copied entry
//   gets it, and, as the kernel does on Docker's chown, regular files lose
//   setuid, setgid-with-group-exec and security.capability;
// - without one (--from without --chown), owners and security.capability kept
//   (the only xattr Docker's tars carry);
// - an existing entry of another kind is replaced; an existing directory is
//   merged into.
// Every path in the root is opened relative to directory fds obtained with
// openat2(RESOLVE_IN_ROOT) or O_NOFOLLOW, so nothing lands outside the root.
#include <sys/stat.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "builder/dockerignore.h"
#include "builder/rooted_path.h"

namespace ubuild::builder {

struct CopyOwner {
  bool set = false;  // false: keep the source's owners
  uid_t uid = 0;
  gid_t gid = 0;
};

class FileCopier {
 public:
  // root_fd: the image root (destination), opened O_RDONLY|O_DIRECTORY.
  FileCopier(int root_fd, CopyOwner owner, std::optional<mode_t> chmod);

  // Creates the directory `rel` (canonical in the root) and missing parents,
  // mode 0755, owned by uid:gid; returns an fd for it. Existing components
  // that are symlinks are resolved inside the root. `*created` says whether
  // the last component was made here.
  Fd MkdirAll(const std::string& rel, uid_t uid, gid_t gid, bool* created);

  // Copies the entry `name` of `src_dir_fd` (whose stat is `st`, already
  // followed if it was a named symlink) to `name_in_dst` in `dst_dir_fd`;
  // directories recursively. `ignore`/`state`: the context's .dockerignore
  // and the entry's parent walk state (null for none); `src_rel` names the
  // entry for ignore matching and messages.
  void CopyEntry(int src_dir_fd, const std::string& name, const struct stat& st, const std::string& src_rel,
                 int dst_dir_fd, const std::string& name_in_dst, const std::string& dst_rel,
                 const DockerIgnore* ignore, const DockerIgnore::WalkState* state);

  // Copies the contents of the directory `src_fd` into `dst_fd`.
  void CopyContents(int src_fd, const std::string& src_rel, int dst_fd, const std::string& dst_rel,
                    const DockerIgnore* ignore, const DockerIgnore::WalkState* state);

  // Writes `content` as a regular file (heredocs).
  void WriteFile(int dst_dir_fd, const std::string& name, const std::string& dst_rel, const std::string& content,
                 mode_t mode);

  // Applies owner and --chmod to a directory this copy created for a
  // directory source (Docker chowns the new destination root).
  void FixNewDir(int dir_fd, const std::string& rel);

  // Forgets hard links (Docker detects them per copied source).
  void ResetLinks() { links_.clear(); }

  // Removes `name` in `dir_fd` (recursively for a directory); `rel` for messages.
  void RemoveExisting(int dir_fd, const std::string& name, const std::string& rel);

 private:
  // `created_mode`: the permission bits the entry got at creation (-1: unknown).
  void ApplyMeta(int fd, const std::string& rel, const struct stat& st, bool is_symlink, int dir_fd,
                 const std::string& name, int created_mode = -1);
  mode_t FinalMode(const struct stat& st) const;
  void CopyData(int in, int out, off_t size, const std::string& rel);

  int root_fd_;
  CopyOwner owner_;
  std::optional<mode_t> chmod_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // source inode -> first dest rel
  bool try_copy_file_range_ = true;
  mode_t umask_ = 022;
  uid_t euid_ = 0;
  gid_t egid_ = 0;
  // Whether new entries in the directory being filled inherit a group
  // (setgid directory), so a chown to 0:0 can't be skipped.
  bool parent_setgid_ = true;
};

}  // namespace ubuild::builder
