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
//
// Speed (a COPY of many files is mostly file creation):
// - regular files are written by ParallelJobs on the spare cores while this
//   thread walks the source; directory metadata waits for Finish(), since
//   every file created in a directory moves its mtime;
// - a directory this copy creates hides nothing in the lower layers, so its
//   contents are written straight into the overlay's upperdir, where a
//   create costs half of what it costs through overlayfs. Overlay's caches
//   stay right: nothing below such a directory was looked up through the
//   mount before it was written.
#include <sys/stat.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "builder/copy/dockerignore.h"
#include "builder/copy/parallel_jobs.h"
#include "builder/rootfs/rooted_path.h"
#include "store/base/progress_sink.h"

namespace ubuild::builder {

struct CopyOwner {
  bool set = false;  // false: keep the source's owners
  uid_t uid = 0;
  gid_t gid = 0;
};

class FileCopier {
 public:
  // root_fd: the image root (destination), opened O_RDONLY|O_DIRECTORY.
  // upper_fd: the overlay upperdir under root_fd's mount, or -1 to write
  // everything through root_fd.
  FileCopier(int root_fd, int upper_fd, CopyOwner owner, std::optional<mode_t> chmod);

  // Creates the directory `rel` (canonical in the root) and missing parents,
  // mode 0755, owned by uid:gid; returns an fd for it. Existing components
  // that are symlinks are resolved inside the root. `*created` says whether
  // the last component was made here.
  Fd MkdirAll(const std::string& rel, uid_t uid, gid_t gid, bool* created);

  // Copies the entry `name` of `src_dir_fd` (whose stat is `st`, already
  // followed if it was a named symlink) to `name_in_dst` in `dst_dir_fd`;
  // directories recursively. `ignore`/`state`: the context's .dockerignore
  // and the entry's parent walk state (null for none); `src_rel` names the
  // entry for ignore matching and messages. The work may go on after the
  // call returns (the fds are duplicated); Finish() completes it.
  void CopyEntry(int src_dir_fd, const std::string& name, const struct stat& st, const std::string& src_rel,
                 int dst_dir_fd, const std::string& name_in_dst, const std::string& dst_rel,
                 const DockerIgnore* ignore, const DockerIgnore::WalkState* state);

  // Copies the contents of the directory `src_fd` into `dst_fd`. `dst_is_new`:
  // this copy created `dst_rel`, so its contents may go to the upperdir.
  void CopyContents(int src_fd, const std::string& src_rel, int dst_fd, const std::string& dst_rel,
                    const DockerIgnore* ignore, const DockerIgnore::WalkState* state, bool dst_is_new = false);

  // Waits for the files still being written, then gives every copied
  // directory its metadata. Rethrows the first failure. Call it after each
  // source, before anything else touches what that source wrote.
  void Finish();

  // Writes `content` as a regular file (heredocs).
  void WriteFile(int dst_dir_fd, const std::string& name, const std::string& dst_rel, const std::string& content,
                 mode_t mode);

  // Applies owner and --chmod to a directory this copy created for a
  // directory source (Docker chowns the new destination root).
  void FixNewDir(int dir_fd, const std::string& rel);

  // Counts regular files' bytes: expected as the walk finds them, done as
  // the jobs write them.
  void CountBytes(ByteCounter* bytes) { bytes_ = bytes; }

  // Forgets hard links (Docker detects them per copied source).
  void ResetLinks() { links_.clear(); }

  // Removes `name` in `dir_fd` (recursively for a directory); `rel` for messages.
  void RemoveExisting(int dir_fd, const std::string& name, const std::string& rel);

 private:
  // A destination or source directory, kept open for the jobs that use it.
  // `upper`: reached through the upperdir rather than the mount.
  struct Dir {
    std::shared_ptr<const Fd> fd;
    bool upper = false;
    int get() const { return fd->get(); }
  };
  struct PendingDirMeta {
    std::string rel;
    struct stat st;
    bool upper;
  };
  // Regular files of one directory, copied by one job: files created in one
  // directory queue on its lock, so jobs split by directory rather than by
  // file, except where the data is large enough to be worth copying apart.
  struct FileBatch {
    struct Item {
      std::string name, src_rel, name_in_dst, dst_rel;
      struct stat st;
    };
    Dir src, dst;
    bool parent_setgid = true;
    std::vector<Item> items;
    off_t bytes = 0;
  };
  static constexpr off_t kBatchBytes = 1 << 20;
  static constexpr size_t kBatchFiles = 4096;

  static Dir Dup(int fd, const std::string& what);
  // The upperdir's directory for `rel`, or an invalid Fd.
  Fd OpenUpper(const std::string& rel) const;
  void CopyContentsIn(const Dir& src, const std::string& src_rel, const Dir& dst, const std::string& dst_rel,
                      const DockerIgnore* ignore, const DockerIgnore::WalkState* state);
  // `batch`: where a regular file of src_dir goes (null: a job of its own).
  void CopyEntryIn(const Dir& src_dir, const std::string& name, const struct stat& st, const std::string& src_rel,
                   const Dir& dst_dir, const std::string& name_in_dst, const std::string& dst_rel, bool parent_setgid,
                   const DockerIgnore* ignore, const DockerIgnore::WalkState* state, FileBatch* batch);
  // One entry of CopyEntryIn: `name` in `src_dir` (whose stat is `st`)
  // going to `name_in_dst` in `dst_dir`.
  struct Entry {
    const Dir& src_dir;
    const std::string& name;
    const struct stat& st;
    const std::string& src_rel;
    const Dir& dst_dir;
    const std::string& name_in_dst;
    const std::string& dst_rel;
  };
  // `child_state`: the walk state for the directory's entries (null: no
  // ignore matching); `entered_only`: ignored itself, copied only for the
  // re-included paths below it.
  void CopyDirectory(const Entry& e, const DockerIgnore* ignore, const DockerIgnore::WalkState* child_state,
                     bool entered_only);
  void CopyRegular(const Entry& e, bool parent_setgid, FileBatch* batch);
  void CopySymlink(const Entry& e);
  // A fifo, character or block device.
  void CopyNode(const Entry& e);
  void Flush(FileBatch& batch);
  // A regular file; runs on any thread.
  void CopyFile(int src_dir_fd, const std::string& name, const struct stat& st, const std::string& src_rel,
                int dst_dir_fd, const std::string& name_in_dst, const std::string& dst_rel, bool parent_setgid);
  void HardLink(const std::string& first_rel, const Dir& dst_dir, const std::string& name_in_dst,
                const std::string& dst_rel);
  // `created_mode`: the permission bits the entry got at creation (-1: unknown).
  void ApplyMeta(int fd, const std::string& rel, const struct stat& st, bool is_symlink, int dir_fd,
                 const std::string& name, int created_mode = -1, bool parent_setgid = true);
  mode_t FinalMode(const struct stat& st) const;
  void CopyData(int in, int out, off_t size, const std::string& rel);

  int root_fd_;
  int upper_fd_;
  CopyOwner owner_;
  std::optional<mode_t> chmod_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // source inode -> first dest rel
  std::atomic<bool> try_copy_file_range_{true};
  mode_t umask_ = 022;
  uid_t euid_ = 0;
  gid_t egid_ = 0;
  std::vector<PendingDirMeta> pending_dirs_;
  ByteCounter* bytes_ = nullptr;
  // Last member: destroyed first, so no job outlives what it uses.
  ParallelJobs jobs_;
};

}  // namespace ubuild::builder
