// ApplyLayerTar: unpacks a layer tar into an empty upperdir-format diff
// directory (design.md §4-§5), hashing the raw stream and recording its
// tar-split on the way. Small regular files are handed to a LayerFilePool;
// everything else is done here, in tar order.
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

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/layer_entry_metadata.h"
#include "store/layer_file_pool.h"
#include "store/layer_payload_reader.h"
#include "store/layer_tar.h"
#include "store/layer_tar_tee.h"
#include "store/layer_write_order.h"
#include "store/new_file_defaults.h"
#include "store/overlay_xattrs.h"
#include "store/tar_split.h"
#include "store/utf8_locale.h"

namespace ubuild::store {

namespace {

constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kWhiteoutMetaPrefix = ".wh..wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";

// The name of `path` within `parent`, which it extends by "/" and the name.
const char* base_of(const std::string& path, const std::string& parent) { return path.c_str() + parent.size() + 1; }

struct DirTime {
  std::string path;
  struct timespec mtime;
};

class Applier {
 public:
  Applier(const std::filesystem::path& root, struct archive* a, LayerTarTee& tee, TarSplitWriter* split,
          const std::string& what)
      : root_(root.string()),
        what_(what),
        payload_(a, tee, split, what),
        defaults_(root_) {}

  void Entry(struct archive_entry* e);
  void Finish();
  uint64_t content_size() const { return payload_.content_size() + symlink_size_; }

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
  // Owner, mode, xattrs and mtime (a directory's at Finish); through `fd`
  // when it is open (a regular file just written), else by path.
  void ApplyMetadata(const std::string& path, const EntryMetadata& m, mode_t type, int fd = -1);
  // Whether a file created now in `parent` gets uid:gid without a chown.
  bool ParentGivesOwner(const std::string& parent, uid_t uid, gid_t gid);
  // A small new regular file, handed to the pool.
  void QueueRegular(const std::string& entry, const std::string& parent, const std::string& path,
                    struct archive_entry* e);
  // The kind of create mode and owner a file gets; shared by both ways of writing it.
  EntryMetadata RegularMetadata(const std::string& parent, struct archive_entry* e, mode_t* create_mode);
  // The kinds of entry, each with its parent directories prepared.
  void Whiteout(const std::string& entry, struct archive_entry* e, bool is_regular, const std::string& parent,
                const std::string& base);
  void HardLink(const std::string& entry, struct archive_entry* e, const char* hardlink, const std::string& path);
  // A directory, symlink or device node at `path`, where nothing but a
  // kept directory (`kept_dir`) remains.
  void Create(const std::string& entry, struct archive_entry* e, const std::string& path, bool kept_dir);

  std::string root_;
  const std::string& what_;
  LayerPayloadReader payload_;
  std::vector<DirTime> dir_times_;
  std::string verified_parent_;  // last parent known to be a real directory chain
  // verified_parent_ opened, while it stays the parent: a layer's files are
  // created beside each other without walking the whole path for each.
  // Shared with the pool's files in it.
  std::shared_ptr<Fd> verified_parent_fd_;
  NewFileDefaults defaults_;
  // The last parent looked at for ParentGivesOwner, and its mode and group;
  // cleared whenever a directory's metadata changes.
  std::string owner_parent_;
  struct stat owner_parent_st_ {};
  uint64_t symlink_size_ = 0;  // the targets' lengths: their lstat sizes, which Docker's layer size counts
  LayerWriteOrder order_;  // last: its pool's threads stop first
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
    // A file still queued under that name must be there to be refused.
    if (order_.Queued(prefix)) order_.Settle();
    struct stat st;
    if (::lstat(prefix.c_str(), &st) != 0) {
      if (errno != ENOENT) throw SysError("lstat", prefix, errno);
      if (::mkdir(prefix.c_str(), 0755) != 0) throw SysError("mkdir", prefix, errno);
      order_.Remember(prefix);
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

bool Applier::ParentGivesOwner(const std::string& parent, uid_t uid, gid_t gid) {
  if (parent != owner_parent_) {
    if (::lstat(parent.c_str(), &owner_parent_st_) != 0) throw SysError("lstat", parent, errno);
    owner_parent_ = parent;
  }
  return defaults_.CreatesOwner(uid, gid, owner_parent_st_.st_mode, owner_parent_st_.st_gid);
}

EntryMetadata Applier::RegularMetadata(const std::string& parent, struct archive_entry* e, mode_t* create_mode) {
  // Created with its final mode and, by who creates it, often its final
  // owner: two syscalls fewer per file of a large layer.
  EntryMetadata m = ReadEntryMetadata(e);
  m.mode_set = defaults_.CreatesMode(m.perm);
  *create_mode = m.mode_set ? m.perm : 0600;
  m.owner_set = ParentGivesOwner(parent, m.uid, m.gid);
  if (parent == verified_parent_ && !verified_parent_fd_) {
    verified_parent_fd_ = std::make_shared<Fd>(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!verified_parent_fd_->valid()) {
      const int err = errno;
      verified_parent_fd_.reset();
      throw SysError("open", parent, err);
    }
  }
  return m;
}

void Applier::QueueRegular(const std::string& entry, const std::string& parent, const std::string& path,
                           struct archive_entry* e) {
  LayerFilePool::File file;
  file.meta = RegularMetadata(parent, e, &file.create_mode);
  payload_.Read(entry, e, -1, path, &file.data);
  file.parent = verified_parent_fd_;
  file.name = base_of(path, parent);
  file.path = path;
  order_.Queue(std::move(file));
}

void Applier::WriteRegular(const std::string& entry, const std::string& parent, const std::string& path,
                           struct archive_entry* e) {
  constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  mode_t create_mode;
  EntryMetadata m = RegularMetadata(parent, e, &create_mode);
  // Most names are new in a layer: create first, and look at what is
  // there only when the name is taken.
  const bool in_parent = verified_parent_fd_ && parent == verified_parent_;
  Fd fd(in_parent ? ::openat(verified_parent_fd_->get(), base_of(path, parent), kCreate, create_mode)
                  : ::open(path.c_str(), kCreate, create_mode));
  if (!fd.valid() && errno == EEXIST) {
    RemoveExisting(path, false, nullptr);
    fd.reset(::open(path.c_str(), kCreate, create_mode));
  }
  if (!fd.valid()) throw SysError("create", path, errno);
  payload_.Read(entry, e, fd.get(), path);
  ApplyMetadata(path, m, AE_IFREG, fd.get());
  fd.Close(path);
}

void Applier::ApplyMetadata(const std::string& path, const EntryMetadata& m, mode_t type, int fd) {
  const bool is_dir = type == AE_IFDIR;
  if (is_dir) owner_parent_.clear();  // its mode or group may change here
  if (m.has_default_acl()) defaults_.ForgetModes();
  ApplyEntryMetadata(m, path, fd, type == AE_IFLNK, !is_dir);
  // Children first: a directory's mtime is set at Finish.
  if (is_dir) dir_times_.push_back({path, m.mtime});
}

void Applier::Whiteout(const std::string& entry, struct archive_entry* e, bool is_regular, const std::string& parent,
                       const std::string& base) {
  payload_.Skip(entry, e, is_regular);
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
  payload_.Skip(entry, e, false);
  if (::link(target.c_str(), path.c_str()) != 0) throw SysError("link", path, errno);
}

void Applier::Create(const std::string& entry, struct archive_entry* e, const std::string& path, bool kept_dir) {
  const mode_t type = archive_entry_filetype(e);
  switch (type) {
    case AE_IFDIR:
      if (!kept_dir && ::mkdir(path.c_str(), 0700) != 0) throw SysError("mkdir", path, errno);
      payload_.Skip(entry, e, false);
      ApplyMetadata(path, ReadEntryMetadata(e), AE_IFDIR);
      return;
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) Reject(entry, "symlink without a target");
      payload_.Skip(entry, e, false);
      if (::symlink(target, path.c_str()) != 0) throw SysError("symlink", path, errno);
      symlink_size_ += std::strlen(target);
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      payload_.Skip(entry, e, false);
      dev_t dev = type == AE_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
      if (::mknod(path.c_str(), type | 0600, dev) != 0) throw SysError("mknod", path, errno);
      break;
    }
    default:
      Reject(entry, "unsupported file type");
  }
  ApplyMetadata(path, ReadEntryMetadata(e), type);
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
    order_.Settle();
    payload_.Skip(entry, e, false);
    ApplyMetadata(root_, ReadEntryMetadata(e), AE_IFDIR);
    return;
  }
  const std::string base = parts.back();
  PrepareParents(entry, parts, parts.size() - 1);
  const std::string parent = Join(parts, parts.size() - 1);

  if (base.rfind(kWhiteoutPrefix, 0) == 0) {
    order_.Settle();
    Whiteout(entry, e, is_regular, parent, base);
    return;
  }
  const std::string path = parent + "/" + base;
  const bool seen = order_.Remember(path);
  // A name used before may be queued, or be a directory with files queued
  // in it; a hard link's target may be queued.
  if (seen || hardlink != nullptr) order_.Settle();
  if (is_regular) {
    if (!seen && order_.Pools(archive_entry_size(e))) {
      return QueueRegular(entry, parent, path, e);
    }
    return WriteRegular(entry, parent, path, e);  // clears the name itself, only when taken
  }
  bool kept_dir = false;
  RemoveExisting(path, type == AE_IFDIR && hardlink == nullptr, &kept_dir);
  if (hardlink != nullptr) {
    HardLink(entry, e, hardlink, path);
  } else {
    Create(entry, e, path, kept_dir);
  }
}

void Applier::Finish() {
  order_.Settle();
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
