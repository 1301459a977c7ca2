#include "store/layer_rebase.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/file_data_copy.h"
#include "store/filesystem_sync.h"
#include "store/layout.h"
#include "store/xattrs.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

// The walk makes directories, symlinks and special files as it meets them
// and queues each directory's regular files; threads then copy the queues
// side by side (creates in one directory queue on its lock, so a directory
// is one job, as in COPY's copier), the hard links to them follow, and each
// directory's metadata comes last, deepest first, since every entry made in
// a directory moves its mtime.
class TreeCopy {
 public:
  void Run(const fs::path& from, const fs::path& to) {
    struct stat st {};
    if (::lstat(from.c_str(), &st) != 0) throw SysError("lstat", from.string(), errno);
    Walk(from, to, st);
    CopyFiles();
    for (const auto& [first, to_path] : links_) {
      // A hard link within the layer: the copy links to its own first name.
      if (::link(first.c_str(), to_path.c_str()) != 0) throw SysError("link", to_path.string(), errno);
    }
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) Metadata(it->from, it->to, it->st);
  }

 private:
  struct Item {
    fs::path from, to;
    struct stat st;
  };

  void Walk(const fs::path& from, const fs::path& to, const struct stat& st) {
    if (S_ISDIR(st.st_mode)) {
      // The top one exists: CreatePending made it.
      if (::mkdir(to.c_str(), 0700) != 0 && errno != EEXIST) throw SysError("mkdir", to.string(), errno);
      dirs_.push_back(Item{from, to, st});
      Children(from, to);
      return;
    }
    if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        auto [it, first] = linked_.try_emplace({st.st_dev, st.st_ino}, to);
        if (!first) {
          links_.emplace_back(it->second, to);
          return;
        }
      }
      files_.back().push_back(Item{from, to, st});
      return;
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(from.c_str(), target.data(), target.size());
      if (n < 0) throw SysError("readlink", from.string(), errno);
      target.resize(static_cast<size_t>(n));
      if (::symlink(target.c_str(), to.c_str()) != 0) throw SysError("symlink", to.string(), errno);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      // Whiteouts (0/0 character devices) among them.
      if (::mknod(to.c_str(), st.st_mode & S_IFMT, st.st_rdev) != 0) throw SysError("mknod", to.string(), errno);
    } else {
      return;  // a socket: no layer tar holds one (the tar writer skips them)
    }
    Metadata(from, to, st);
  }

  void Children(const fs::path& from, const fs::path& to) {
    DIR* dir = ::opendir(from.c_str());
    if (dir == nullptr) throw SysError("opendir", from.string(), errno);
    std::unique_ptr<DIR, int (*)(DIR*)> close(dir, ::closedir);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(dir)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    if (errno != 0) throw SysError("readdir", from.string(), errno);
    // This directory's entries first, into its own job; its subdirectories after.
    files_.emplace_back();
    std::vector<std::pair<std::string, struct stat>> subdirs;
    for (const std::string& name : names) {
      struct stat st {};
      if (::lstat((from / name).c_str(), &st) != 0) throw SysError("lstat", (from / name).string(), errno);
      if (S_ISDIR(st.st_mode)) {
        subdirs.emplace_back(name, st);
      } else {
        Walk(from / name, to / name, st);
      }
    }
    if (files_.back().empty()) files_.pop_back();
    for (const auto& [name, st] : subdirs) Walk(from / name, to / name, st);
  }

  void CopyFiles() {
    const size_t threads = std::min<size_t>({files_.size(), 4, std::max(1u, std::thread::hardware_concurrency())});
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::exception_ptr error;
    auto work = [&] {
      for (size_t job; !failed && (job = next++) < files_.size();) {
        try {
          for (const Item& file : files_[job]) CopyFile(file);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!error) error = std::current_exception();
          failed = true;
        }
      }
    };
    std::vector<std::thread> helpers;
    for (size_t k = 1; k < threads; ++k) helpers.emplace_back(work);
    work();
    for (std::thread& t : helpers) t.join();
    if (error) std::rethrow_exception(error);
  }

  void CopyFile(const Item& file) const {
    // The same inode under the new chain's name: a committed diff dir is
    // never written again (overlay mounts it as a read-only lower), so both
    // chains can hold it, and removing either only unlinks its own names.
    if (::link(file.from.c_str(), file.to.c_str()) == 0) return;
    // EMLINK: the inode has as many names as the filesystem allows; EPERM:
    // protected_hardlinks refused a file we do not own; EXDEV: the store
    // spans filesystems. Each gets a copy of its own instead.
    if (errno != EMLINK && errno != EPERM && errno != EXDEV) throw SysError("link", file.to.string(), errno);
    Fd in(::open(file.from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in.valid()) throw SysError("open", file.from.string(), errno);
    Fd out(::open(file.to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) throw SysError("open", file.to.string(), errno);
    CopyFileData(in.get(), out.get(), file.st.st_size, file.from.string(), FileDataCopyOptions{nullptr, true});
    FileMetadata(in.get(), out.get(), file.from, file.to, file.st);
    out.Close(file.to.string());
  }

  // A regular file's, through its descriptors: no path lookups, and no
  // chown when the copy is already the source's owner's (the common case).
  void FileMetadata(int in, int out, const fs::path& from, const fs::path& to, const struct stat& st) const {
    if ((st.st_uid != euid_ || st.st_gid != egid_) && ::fchown(out, st.st_uid, st.st_gid) != 0) {
      throw SysError("fchown", to.string(), errno);
    }
    if (::fchmod(out, st.st_mode & 07777) != 0) throw SysError("fchmod", to.string(), errno);
    for (const auto& [name, value] : ReadXattrs(in, from.string())) {
      if (::fsetxattr(out, name.c_str(), value.data(), value.size(), 0) != 0) {
        throw SysError("fsetxattr " + name, to.string(), errno);
      }
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(out, times) != 0) throw SysError("futimens", to.string(), errno);
  }

  // Owner before mode (chown drops set-id bits), xattrs, then the mtime
  // last: a directory's moves with every entry made in it.
  static void Metadata(const fs::path& from, const fs::path& to, const struct stat& st) {
    if (::lchown(to.c_str(), st.st_uid, st.st_gid) != 0) throw SysError("lchown", to.string(), errno);
    if (!S_ISLNK(st.st_mode) && ::chmod(to.c_str(), st.st_mode & 07777) != 0) {
      throw SysError("chmod", to.string(), errno);
    }
    for (const auto& [name, value] : ReadXattrs(from.string())) {
      if (::lsetxattr(to.c_str(), name.c_str(), value.data(), value.size(), 0) != 0) {
        throw SysError("lsetxattr " + name, to.string(), errno);
      }
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      throw SysError("utimensat", to.string(), errno);
    }
  }

  const uid_t euid_ = ::geteuid();
  const gid_t egid_ = ::getegid();
  std::map<std::pair<dev_t, ino_t>, fs::path> linked_;  // first copy of each multiply-linked file
  std::vector<Item> dirs_;                               // in walk order, parents first
  std::vector<std::vector<Item>> files_;                 // one job per directory
  std::vector<std::pair<fs::path, fs::path>> links_;     // (first copy, new name)
};

}  // namespace

PreparedLayer PrepareLayerCopy(const fs::path& root, const Layer& source, PendingLayer& pending) {
  const fs::path staging = layout::LayerStaging(root, pending.cache_id);
  if (::mkdir(staging.c_str(), 0700) != 0) throw SysError("mkdir", staging.string(), errno);
  const fs::path split = layout::LayerFile(root, source.chain_id, layout::kLayerTarSplitFile);
  std::error_code ec;
  if (!fs::copy_file(split, staging / layout::kLayerTarSplitFile, ec)) {
    throw Error("cannot copy tar-split: " + ec.message(), split.string());
  }
  TreeCopy().Run(source.diff_dir, pending.diff_dir);
  // As for a layer a step made: its files are on disk before it is registered.
  FilesystemSync sync(pending.diff_dir);
  sync.Wait();
  return PreparedLayer{source.diff_id, source.size, true};
}

}  // namespace ubuild::store
