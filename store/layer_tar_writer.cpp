// WriteLayerTar: one pass over an upperdir, producing the OCI layer tar
// (design.md §5) while hashing it and recording tar-split.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <unordered_map>
#include <vector>

#include "store/base64.h"
#include "store/crc64.h"
#include "store/base/directory_names.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/layer_tar.h"
#include "store/layer_tar_stream.h"
#include "store/overlay_xattrs.h"
#include "store/tar_split.h"
#include "store/utf8_locale.h"
#include "store/xattrs.h"

namespace ubuild::store {

namespace {

constexpr size_t kReadBuffer = 256 * 1024;

struct InodeKey {
  dev_t dev;
  ino_t ino;
  bool operator==(const InodeKey&) const = default;
};
struct InodeKeyHash {
  size_t operator()(const InodeKey& k) const { return std::hash<uint64_t>()(k.ino * 1000003u ^ k.dev); }
};

class LayerWalker {
 public:
  LayerWalker(const std::filesystem::path& root, struct archive* a, LayerTarStream& stream,
              const LayerTarOptions& options)
      : root_(root.string()), a_(a), stream_(stream), options_(options), buffer_(kReadBuffer) {
    entry_ = archive_entry_new();
    if (entry_ == nullptr) throw Error("out of memory");
  }
  ~LayerWalker() { archive_entry_free(entry_); }

  // rel: "" or "dir/sub/"; `fd` (owned) is that directory, or -1 to open it.
  // Entries are looked up relative to it, so a file costs no path walk.
  void WalkDir(const std::string& rel, int fd = -1);
  uint64_t content_size() const { return content_size_; }

 private:
  void WriteOne(int dir_fd, const std::string& rel_dir, const std::string& name);
  // The parts of WriteOne, which has set the entry's mtime.
  void WriteWhiteout(const std::string& tar_name);
  // Adds the xattrs of `fd` (or of `path` when -1) to the entry; true if a
  // directory is overlay-opaque.
  bool AddXattrs(int fd, const std::string& path, bool is_dir);
  // Hard link or symlink target, device numbers; returns the payload size,
  // which only the first name of a regular file has.
  uint64_t SetTypeFields(const struct stat& st, const std::string& rel, const std::string& path);
  void WriteOpaqueMarker(const std::string& dir_tar_name, const struct stat& st);
  void WriteHeader(const std::string& tar_name);
  void WriteFileData(int fd, const std::string& path, uint64_t size, Crc64Iso* crc);
  void EndEntry(const std::string& tar_name, uint64_t size, const Crc64Iso* crc);
  int64_t Clamp(int64_t t) const {
    return options_.clamp_mtime && t > *options_.clamp_mtime ? *options_.clamp_mtime : t;
  }
  std::string Full(const std::string& rel) const { return rel.empty() ? root_ : root_ + "/" + rel; }
  [[noreturn]] void Fail(const std::string& doing, const std::string& tar_name);

  std::string root_;
  struct archive* a_;
  LayerTarStream& stream_;
  const LayerTarOptions& options_;
  struct archive_entry* entry_ = nullptr;
  std::vector<char> buffer_;
  std::unordered_map<InodeKey, std::string, InodeKeyHash> links_;
  uint64_t content_size_ = 0;
};

void LayerWalker::Fail(const std::string& doing, const std::string& tar_name) {
  if (std::exception_ptr e = stream_.TakeError()) std::rethrow_exception(e);
  const char* msg = archive_error_string(a_);
  throw Error("layer tar: " + doing + ": " + (msg != nullptr ? msg : "libarchive error"), Full(tar_name));
}

void LayerWalker::WalkDir(const std::string& rel, int fd) {
  const std::string dir = Full(rel);
  Fd dir_fd(fd >= 0 ? fd : ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir_fd.get() < 0) throw SysError("open", dir, errno);
  for (const std::string& name : SortedDirectoryNames(dir_fd.get(), dir)) WriteOne(dir_fd.get(), rel, name);
}

void LayerWalker::WriteHeader(const std::string& tar_name) {
  stream_.EndPayload();
  int r = archive_write_header(a_, entry_);
  if (r < ARCHIVE_WARN) Fail("writing header", tar_name);
  stream_.FlushSegment();
}

void LayerWalker::EndEntry(const std::string& tar_name, uint64_t size, const Crc64Iso* crc) {
  if (TarSplitWriter* split = stream_.split()) {
    split->File(tar_name, size, crc != nullptr && size > 0 ? Base64Encode(crc->BigEndianBytes()) : std::string());
  }
}

void LayerWalker::WriteFileData(int fd, const std::string& path, uint64_t size, Crc64Iso* crc) {
  stream_.BeginPayload();
  uint64_t left = size;
  while (left > 0) {
    ssize_t n = ::read(fd, buffer_.data(), std::min<uint64_t>(left, buffer_.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("read", path, errno);
    }
    if (n == 0) throw Error("file shrank while the layer was written", path);
    if (crc != nullptr) crc->Update(buffer_.data(), static_cast<size_t>(n));
    if (archive_write_data(a_, buffer_.data(), static_cast<size_t>(n)) < 0) Fail("writing data", path);
    left -= static_cast<uint64_t>(n);
  }
  stream_.EndPayload();
}

// An overlay whiteout (0/0 char device) becomes an empty .wh. file.
void LayerWalker::WriteWhiteout(const std::string& tar_name) {
  archive_entry_copy_pathname(entry_, tar_name.c_str());
  archive_entry_set_mode(entry_, AE_IFREG | 0600);
  archive_entry_set_uid(entry_, 0);
  archive_entry_set_gid(entry_, 0);
  archive_entry_set_size(entry_, 0);
  WriteHeader(tar_name);
  EndEntry(tar_name, 0, nullptr);
}

bool LayerWalker::AddXattrs(int fd, const std::string& path, bool is_dir) {
  bool opaque = false;
  for (const auto& [key, value] : fd >= 0 ? ReadXattrs(fd, path) : ReadXattrs(path)) {
    if (IsOverlayXattr(key)) {
      if (is_dir && key.ends_with(".opaque") && value == "y") opaque = true;
      continue;
    }
    archive_entry_xattr_add_entry(entry_, key.c_str(), value.data(), value.size());
  }
  return opaque;
}

uint64_t LayerWalker::SetTypeFields(const struct stat& st, const std::string& rel, const std::string& path) {
  bool hardlink = false;
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
    auto [it, inserted] = links_.try_emplace(InodeKey{st.st_dev, st.st_ino}, rel);
    if (!inserted) {
      archive_entry_copy_hardlink(entry_, it->second.c_str());
      hardlink = true;
    }
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) throw SysError("readlink", path, errno);
    if (static_cast<size_t>(n) >= target.size()) throw Error("symlink changed while the layer was written", path);
    target.resize(static_cast<size_t>(n));
    if (!hardlink) archive_entry_copy_symlink(entry_, target.c_str());
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    archive_entry_set_rdevmajor(entry_, major(st.st_rdev));
    archive_entry_set_rdevminor(entry_, minor(st.st_rdev));
  } else if (S_ISREG(st.st_mode) && !hardlink) {
    return static_cast<uint64_t>(st.st_size);
  }
  return 0;
}

// Docker's marker: a regular file with the directory's permission bits and
// owner, and a zero mtime.
void LayerWalker::WriteOpaqueMarker(const std::string& dir_tar_name, const struct stat& st) {
  const std::string marker = dir_tar_name + ".wh..wh..opq";
  archive_entry_clear(entry_);
  archive_entry_copy_pathname(entry_, marker.c_str());
  archive_entry_set_mode(entry_, AE_IFREG | (st.st_mode & 0777));
  archive_entry_set_uid(entry_, st.st_uid);
  archive_entry_set_gid(entry_, st.st_gid);
  archive_entry_set_mtime(entry_, 0, 0);
  archive_entry_set_size(entry_, 0);
  WriteHeader(marker);
  EndEntry(marker, 0, nullptr);
}

void LayerWalker::WriteOne(int dir_fd, const std::string& rel_dir, const std::string& name) {
  const std::string rel = rel_dir + name;
  const std::string path = Full(rel);
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("lstat", path, errno);
  // Sockets cannot be stored in a tar; Docker leaves them out too.
  if (S_ISSOCK(st.st_mode)) return;

  archive_entry_clear(entry_);
  archive_entry_set_mtime(entry_, Clamp(st.st_mtim.tv_sec), 0);
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
    WriteWhiteout(rel_dir + ".wh." + name);
    return;
  }

  const bool is_dir = S_ISDIR(st.st_mode);
  const std::string tar_name = is_dir ? rel + "/" : rel;
  archive_entry_copy_pathname(entry_, tar_name.c_str());
  archive_entry_set_mode(entry_, st.st_mode);
  archive_entry_set_uid(entry_, st.st_uid);
  archive_entry_set_gid(entry_, st.st_gid);

  // Files and directories are opened here (their data or entries are read
  // anyway) and their xattrs read through the descriptor.
  const bool open_it = S_ISREG(st.st_mode) || is_dir;
  Fd fd(open_it ? ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (is_dir ? O_DIRECTORY : 0)) : -1);
  if (open_it && fd.get() < 0) throw SysError("open", path, errno);
  const bool opaque = AddXattrs(fd.get(), path, is_dir);
  const uint64_t size = SetTypeFields(st, rel, path);
  archive_entry_set_size(entry_, static_cast<la_int64_t>(size));

  WriteHeader(tar_name);
  Crc64Iso crc;
  if (size > 0) WriteFileData(fd.get(), path, size, stream_.split() != nullptr ? &crc : nullptr);
  // A symlink's lstat size (its target's length) counts, as in Docker's.
  content_size_ += S_ISLNK(st.st_mode) ? static_cast<uint64_t>(st.st_size) : size;
  if (options_.bytes) options_.bytes->Add(size);
  EndEntry(tar_name, size, &crc);
  if (opaque) WriteOpaqueMarker(tar_name, st);
  if (is_dir) WalkDir(tar_name, fd.release());
}

}  // namespace

LayerTarResult WriteLayerTar(const std::filesystem::path& diff_dir, ByteSink* out, TarSplitWriter* split,
                             const LayerTarOptions& options) {
  ScopedUtf8Locale utf8;
  struct archive* a = archive_write_new();
  if (a == nullptr) throw Error("out of memory");
  // On an error path the archive must not write its end blocks into a
  // stream that is being unwound: mark it failed before freeing it.
  auto release = [](struct archive* p) {
    archive_write_fail(p);
    return archive_write_free(p);
  };
  std::unique_ptr<struct archive, decltype(release)> guard(a, release);
  // pax_restricted = ustar headers unless a name, link or xattr needs a PAX
  // record, which is what Go's archive/tar (Docker) does; SCHILY.xattr only.
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK) {
    throw Error(std::string("cannot set up the layer tar format: ") + archive_error_string(a));
  }
  LayerTarStream stream(out, split);
  stream.Open(a);
  LayerWalker walker(diff_dir, a, stream, options);
  walker.WalkDir("");
  stream.EndPayload();
  if (archive_write_close(a) != ARCHIVE_OK) {
    if (std::exception_ptr e = stream.TakeError()) std::rethrow_exception(e);
    throw Error(std::string("layer tar: closing: ") + archive_error_string(a), diff_dir.string());
  }
  stream.FlushSegment();
  stream.FlushOutput();
  LayerTarResult result;
  result.tar_size = stream.size();
  result.content_size = walker.content_size();
  result.diff_id = stream.Final();
  return result;
}

}  // namespace ubuild::store
