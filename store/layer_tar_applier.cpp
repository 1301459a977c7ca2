// ApplyLayerTar: unpacks a layer tar into an empty upperdir-format diff
// directory (design.md §4-§5), hashing the raw stream and recording its
// tar-split on the way.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include "store/base64.h"
#include "store/crc64.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/layer_tar.h"
#include "store/layer_tar_tee.h"
#include "store/new_file_defaults.h"
#include "store/overlay_xattrs.h"
#include "store/tar_split.h"
#include "store/utf8_locale.h"

namespace ubuild::store {

namespace {

constexpr size_t kReadChunk = 128 * 1024;
constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kWhiteoutMetaPrefix = ".wh..wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

struct DirTime {
  std::string path;
  struct timespec mtime;
};

class Applier {
 public:
  Applier(const std::filesystem::path& root, struct archive* a, LayerTarTee& tee, TarSplitWriter* split,
          const std::string& what)
      : root_(root.string()), a_(a), tee_(tee), split_(split), what_(what), buffer_(kReadChunk), defaults_(root_) {}

  void Entry(struct archive_entry* e);
  void Finish();
  uint64_t content_size() const { return content_size_; }

 private:
  [[noreturn]] void Reject(const std::string& entry, const std::string& why) const {
    throw Error("entry \"" + entry + "\": " + why, what_);
  }
  // Cleans a member name to components; rejects absolute paths and "..".
  std::vector<std::string> Components(const std::string& entry, const std::string& name) const;
  std::string Join(const std::vector<std::string>& parts, size_t n) const;
  // Makes sure the parent directories of parts[0..n) exist as real
  // directories inside the root (creating missing ones like Docker does).
  void PrepareParents(const std::string& entry, const std::vector<std::string>& parts, size_t n);
  void RemoveExisting(const std::string& path, bool keep_dir, bool* kept_dir);
  void WriteRegular(const std::string& entry, const std::string& parent, const std::string& path,
                    struct archive_entry* e);
  // Owner, mode, xattrs and mtime; through `fd` when it is open (a regular
  // file just written), else by path. `owner_set`/`mode_set`: the file was
  // created with them already.
  void ApplyMetadata(const std::string& path, struct archive_entry* e, bool is_dir, int fd = -1,
                     bool owner_set = false, bool mode_set = false);
  // Whether a file created now in `parent` gets uid:gid without a chown.
  bool ParentGivesOwner(const std::string& parent, uid_t uid, gid_t gid);
  void ReadPayload(const std::string& entry, struct archive_entry* e, int fd, const std::string& path);
  // Consumes an entry's data without writing it (tar-split still records it).
  void SkipData(const std::string& entry, struct archive_entry* e, bool is_regular);
  // The kinds of entry, each with its parent directories prepared.
  void Whiteout(const std::string& entry, struct archive_entry* e, bool is_regular, const std::string& parent,
                const std::string& base);
  void HardLink(const std::string& entry, struct archive_entry* e, const char* hardlink, const std::string& path);
  // A directory, symlink or device node at `path`, where nothing but a
  // kept directory (`kept_dir`) remains.
  void Create(const std::string& entry, struct archive_entry* e, const std::string& path, bool kept_dir);

  std::string root_;
  struct archive* a_;
  LayerTarTee& tee_;
  TarSplitWriter* split_;
  const std::string& what_;
  std::vector<char> buffer_;
  std::vector<DirTime> dir_times_;
  std::string verified_parent_;  // last parent known to be a real directory chain
  // verified_parent_ opened, while it stays the parent: a layer's files are
  // created beside each other without walking the whole path for each.
  Fd verified_parent_fd_;
  NewFileDefaults defaults_;
  // The last parent looked at for ParentGivesOwner, and its mode and group;
  // cleared whenever a directory's metadata changes.
  std::string owner_parent_;
  struct stat owner_parent_st_ {};
  uint64_t content_size_ = 0;
};

std::vector<std::string> Applier::Components(const std::string& entry, const std::string& name) const {
  if (!name.empty() && name[0] == '/') Reject(entry, "absolute path in a layer tar");
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") Reject(entry, "\"..\" would leave the layer directory");
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string Applier::Join(const std::vector<std::string>& parts, size_t n) const {
  std::string path = root_;
  for (size_t i = 0; i < n; ++i) path += "/" + parts[i];
  return path;
}

void Applier::PrepareParents(const std::string& entry, const std::vector<std::string>& parts, size_t n) {
  std::string path = Join(parts, n);
  if (path == verified_parent_) return;
  std::string prefix = root_;
  for (size_t i = 0; i < n; ++i) {
    prefix += "/" + parts[i];
    struct stat st;
    if (::lstat(prefix.c_str(), &st) != 0) {
      if (errno != ENOENT) throw SysError("lstat", prefix, errno);
      if (::mkdir(prefix.c_str(), 0755) != 0) throw SysError("mkdir", prefix, errno);
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      Reject(entry, "path goes through the symlink " + prefix.substr(root_.size() + 1) + " written earlier in the layer");
    }
    if (!S_ISDIR(st.st_mode)) Reject(entry, "parent " + prefix.substr(root_.size() + 1) + " is not a directory");
  }
  verified_parent_ = path;
  verified_parent_fd_.reset();
}

void Applier::RemoveExisting(const std::string& path, bool keep_dir, bool* kept_dir) {
  struct stat st;
  if (kept_dir != nullptr) *kept_dir = false;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw SysError("lstat", path, errno);
  }
  if (keep_dir && S_ISDIR(st.st_mode)) {
    if (kept_dir != nullptr) *kept_dir = true;
    return;
  }
  // A later entry replaces an earlier one, as when Docker applies a layer.
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) throw SysError("remove", path, ec.value());
  verified_parent_.clear();
  verified_parent_fd_.reset();
  owner_parent_.clear();
}

void Applier::ReadPayload(const std::string& entry, struct archive_entry* e, int fd, const std::string& path) {
  const la_int64_t size = archive_entry_size(e);
  Crc64Iso crc;
  la_int64_t total = 0;
  for (;;) {
    la_ssize_t n = archive_read_data(a_, buffer_.data(), buffer_.size());
    if (n < 0) {
      if (std::exception_ptr err = tee_.TakeError()) std::rethrow_exception(err);
      Reject(entry, std::string("cannot read file data: ") + archive_error_string(a_));
    }
    if (n == 0) break;
    if (split_ != nullptr) crc.Update(buffer_.data(), static_cast<size_t>(n));
    const char* p = buffer_.data();
    size_t left = static_cast<size_t>(n);
    while (fd >= 0 && left > 0) {
      ssize_t w = ::write(fd, p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw SysError("write", path, errno);
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    total += n;
  }
  if (total != size) Reject(entry, "file data is " + std::to_string(total) + " bytes, header says " + std::to_string(size));
  if (split_ != nullptr) {
    split_->File(archive_entry_pathname(e), static_cast<uint64_t>(size),
                 size > 0 ? Base64Encode(crc.BigEndianBytes()) : std::string());
  }
  content_size_ += static_cast<uint64_t>(size);
}

bool Applier::ParentGivesOwner(const std::string& parent, uid_t uid, gid_t gid) {
  if (parent != owner_parent_) {
    if (::lstat(parent.c_str(), &owner_parent_st_) != 0) throw SysError("lstat", parent, errno);
    owner_parent_ = parent;
  }
  return defaults_.CreatesOwner(uid, gid, owner_parent_st_.st_mode, owner_parent_st_.st_gid);
}

void Applier::WriteRegular(const std::string& entry, const std::string& parent, const std::string& path,
                           struct archive_entry* e) {
  constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  // Created with its final mode and, by who creates it, often its final
  // owner: two syscalls fewer per file of a large layer.
  const mode_t perm = archive_entry_perm(e);
  const bool mode_set = defaults_.CreatesMode(perm);
  const mode_t create_mode = mode_set ? perm : 0600;
  // Most names are new in a layer: create first, and look at what is
  // there only when the name is taken.
  if (!verified_parent_fd_.valid() && parent == verified_parent_) {
    verified_parent_fd_.reset(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  Fd fd(verified_parent_fd_.valid() && parent == verified_parent_
            ? ::openat(verified_parent_fd_.get(), path.c_str() + parent.size() + 1, kCreate, create_mode)
            : ::open(path.c_str(), kCreate, create_mode));
  if (!fd.valid() && errno == EEXIST) {
    RemoveExisting(path, false, nullptr);
    fd.reset(::open(path.c_str(), kCreate, create_mode));
  }
  if (!fd.valid()) throw SysError("create", path, errno);
  const bool owner_set = ParentGivesOwner(parent, static_cast<uid_t>(archive_entry_uid(e)),
                                          static_cast<gid_t>(archive_entry_gid(e)));
  ReadPayload(entry, e, fd.get(), path);
  ApplyMetadata(path, e, false, fd.get(), owner_set, mode_set);
  fd.Close(path);
}

void Applier::ApplyMetadata(const std::string& path, struct archive_entry* e, bool is_dir, int fd, bool owner_set,
                            bool mode_set) {
  const mode_t type = archive_entry_filetype(e);
  const auto uid = static_cast<uid_t>(archive_entry_uid(e));
  const auto gid = static_cast<gid_t>(archive_entry_gid(e));
  if (is_dir) owner_parent_.clear();  // its mode or group may change here
  if (!owner_set && (fd >= 0 ? ::fchown(fd, uid, gid) : ::lchown(path.c_str(), uid, gid)) != 0) {
    throw SysError("lchown", path, errno);
  }
  // After chown, which clears setuid/setgid.
  if (type != AE_IFLNK && !mode_set) {
    const mode_t perm = archive_entry_perm(e);
    if ((fd >= 0 ? ::fchmod(fd, perm) : ::chmod(path.c_str(), perm)) != 0) throw SysError("chmod", path, errno);
  }
  archive_entry_xattr_reset(e);
  const char* name;
  const void* value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string key = name;
    // Overlay's own attributes would change what the layer means.
    if (IsOverlayXattr(key)) continue;
    if (key == "system.posix_acl_default") defaults_.ForgetModes();
    if ((fd >= 0 ? ::fsetxattr(fd, name, value, size, 0) : ::lsetxattr(path.c_str(), name, value, size, 0)) != 0) {
      // Like Docker: a filesystem or file type that cannot hold the
      // attribute (user.* on a symlink) does not fail the layer.
      if (errno == ENOTSUP || errno == EPERM) continue;
      throw SysError("setxattr " + key, path, errno);
    }
  }
  struct timespec times[2];
  times[1].tv_sec = archive_entry_mtime(e);
  times[1].tv_nsec = archive_entry_mtime_nsec(e);
  times[0] = times[1];
  if (is_dir) {
    dir_times_.push_back({path, times[1]});
  } else if ((fd >= 0 ? ::futimens(fd, times) : ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW)) != 0) {
    throw SysError("utimensat", path, errno);
  }
}

void Applier::SkipData(const std::string& entry, struct archive_entry* e, bool is_regular) {
  if (is_regular) {
    ReadPayload(entry, e, -1, {});
  } else {
    if (split_ != nullptr) split_->File(entry, 0);
    if (archive_read_data_skip(a_) != ARCHIVE_OK) Reject(entry, "cannot skip data");
  }
}

void Applier::Whiteout(const std::string& entry, struct archive_entry* e, bool is_regular, const std::string& parent,
                       const std::string& base) {
  SkipData(entry, e, is_regular);
  if (base == kOpaqueMarker) {
    if (::lsetxattr(parent.c_str(), OverlayOpaqueXattr(), "y", 1, 0) != 0) {
      throw SysError(std::string("setxattr ") + OverlayOpaqueXattr(), parent, errno);
    }
    return;
  }
  if (base.rfind(kWhiteoutMetaPrefix, 0) == 0) return;  // other AUFS metadata: ignored, as Docker does
  const std::string target_name = base.substr(4);
  if (target_name.empty() || target_name == "." || target_name == "..") Reject(entry, "bad whiteout name");
  const std::string target = parent + "/" + target_name;
  RemoveExisting(target, false, nullptr);
  if (::mknod(target.c_str(), S_IFCHR, makedev(0, 0)) != 0) throw SysError("mknod", target, errno);
  if (::lchown(target.c_str(), static_cast<uid_t>(archive_entry_uid(e)), static_cast<gid_t>(archive_entry_gid(e))) != 0) {
    throw SysError("lchown", target, errno);
  }
  struct timespec times[2];
  times[1].tv_sec = archive_entry_mtime(e);
  times[1].tv_nsec = archive_entry_mtime_nsec(e);
  times[0] = times[1];
  if (::utimensat(AT_FDCWD, target.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("utimensat", target, errno);
}

void Applier::HardLink(const std::string& entry, struct archive_entry* e, const char* hardlink,
                       const std::string& path) {
  std::vector<std::string> target_parts = Components(entry, hardlink);
  if (target_parts.empty()) Reject(entry, "hard link to the layer root");
  // Every directory on the way to the target must be real, and the target
  // must be something this layer already wrote.
  std::string prefix = root_;
  for (size_t i = 0; i + 1 < target_parts.size(); ++i) {
    prefix += "/" + target_parts[i];
    struct stat st;
    if (::lstat(prefix.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      Reject(entry, std::string("hard link target \"") + hardlink + "\" is not inside the layer");
    }
  }
  const std::string target = Join(target_parts, target_parts.size());
  struct stat st;
  if (::lstat(target.c_str(), &st) != 0) Reject(entry, std::string("hard link target \"") + hardlink + "\" is not in the layer");
  if (S_ISDIR(st.st_mode)) Reject(entry, std::string("hard link to a directory \"") + hardlink + "\"");
  SkipData(entry, e, false);
  if (::link(target.c_str(), path.c_str()) != 0) throw SysError("link", path, errno);
}

void Applier::Create(const std::string& entry, struct archive_entry* e, const std::string& path, bool kept_dir) {
  const mode_t type = archive_entry_filetype(e);
  switch (type) {
    case AE_IFDIR:
      if (!kept_dir && ::mkdir(path.c_str(), 0700) != 0) throw SysError("mkdir", path, errno);
      SkipData(entry, e, false);
      ApplyMetadata(path, e, true);
      return;
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) Reject(entry, "symlink without a target");
      SkipData(entry, e, false);
      if (::symlink(target, path.c_str()) != 0) throw SysError("symlink", path, errno);
      content_size_ += std::strlen(target);  // its lstat size, which Docker's layer size counts
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      SkipData(entry, e, false);
      dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
      if (::mknod(path.c_str(), type | 0600, dev) != 0) throw SysError("mknod", path, errno);
      break;
    }
    default:
      Reject(entry, "unsupported file type");
  }
  ApplyMetadata(path, e, false);
}

void Applier::Entry(struct archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) throw Error("tar member without a name", what_);
  const std::string entry = raw;
  if (archive_entry_sparse_count(e) > 0) Reject(entry, "sparse files are not supported in layers");
  std::vector<std::string> parts = Components(entry, entry);
  const mode_t type = archive_entry_filetype(e);
  const char* hardlink = archive_entry_hardlink(e);
  const bool is_regular = type == AE_IFREG && hardlink == nullptr;

  if (parts.empty()) {
    // "./": the layer's root directory itself.
    if (type != AE_IFDIR || hardlink != nullptr) Reject(entry, "the layer root must be a directory");
    SkipData(entry, e, false);
    ApplyMetadata(root_, e, true);
    return;
  }
  const std::string base = parts.back();
  PrepareParents(entry, parts, parts.size() - 1);
  const std::string parent = Join(parts, parts.size() - 1);

  if (base.rfind(kWhiteoutPrefix, 0) == 0) {
    Whiteout(entry, e, is_regular, parent, base);
    return;
  }
  const std::string path = parent + "/" + base;
  if (is_regular) return WriteRegular(entry, parent, path, e);  // clears the name itself, only when taken
  bool kept_dir = false;
  RemoveExisting(path, type == AE_IFDIR && hardlink == nullptr, &kept_dir);
  if (hardlink != nullptr) {
    HardLink(entry, e, hardlink, path);
  } else {
    Create(entry, e, path, kept_dir);
  }
}

void Applier::Finish() {
  // Children first: creating entries inside a directory changes its mtime.
  for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
    struct timespec times[2] = {it->mtime, it->mtime};
    if (::utimensat(AT_FDCWD, it->path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      throw SysError("utimensat", it->path, errno);
    }
  }
}

}  // namespace

LayerTarResult ApplyLayerTar(ByteSource& in, const std::filesystem::path& diff_dir, TarSplitWriter* split,
                             const std::string& what) {
  ScopedUtf8Locale utf8;
  struct archive* a = archive_read_new();
  if (a == nullptr) throw Error("out of memory");
  std::unique_ptr<struct archive, int (*)(struct archive*)> guard(a, archive_read_free);
  // Plain tar only: the diff_id is the digest of the uncompressed tar, so
  // decompression belongs to the caller.
  archive_read_support_format_tar(a);
  LayerTarTee tee(in, split);
  auto fail = [&](const std::string& doing) {
    if (std::exception_ptr e = tee.TakeError()) std::rethrow_exception(e);
    const char* msg = archive_error_string(a);
    throw Error(doing + ": " + (msg != nullptr ? msg : "not a tar archive"), what);
  };
  if (archive_read_open2(a, &tee, nullptr, &LayerTarTee::OnRead, nullptr, nullptr) != ARCHIVE_OK) fail("cannot read layer tar");

  Applier applier(diff_dir, a, tee, split, what);
  for (;;) {
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) fail("bad layer tar");
    // The raw position just past the header blocks (pax/GNU extensions
    // included): everything before it since the last payload is a segment.
    la_int64_t payload_start = archive_filter_bytes(a, -1);
    tee.SegmentUpTo(static_cast<uint64_t>(payload_start));
    const bool regular = archive_entry_filetype(e) == AE_IFREG && archive_entry_hardlink(e) == nullptr;
    if (regular) tee.SkipPayload(static_cast<uint64_t>(archive_entry_size(e)));
    applier.Entry(e);
  }
  tee.Drain();
  applier.Finish();
  LayerTarResult result;
  result.tar_size = tee.size();
  result.content_size = applier.content_size();
  result.diff_id = tee.Final();
  return result;
}

}  // namespace ubuild::store
