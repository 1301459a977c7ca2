// Store::Open: layout, lock, and the leftover sweep.
//
// Writers hold ROOT/lock exclusively and leave ROOT/dirty while they run; a
// dirty marker found at open means a writer died, so the sweep runs (by a
// reader too, when it can briefly get the lock to itself).
#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/recovery.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

bool IsPermissionError(int err) { return err == EACCES || err == EPERM || err == EROFS; }

Error NoRight(const fs::path& root, const std::string& right) {
  return Error("permission denied: ubuild needs " + right + " (run as root, or use --root DIR / UBUILD_ROOT=DIR with a directory you own)",
               root.string());
}

void CreateLayout(const fs::path& root) {
  for (const fs::path& dir : {layout::ImageContentDir(root), layout::ImageMetadataRoot(root), layout::LayerDbDir(root),
                              layout::LayerDbTmp(root), layout::LinkDir(root)}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      if (IsPermissionError(ec.value())) throw NoRight(root, "write access to the store root to create " + dir.string());
      throw Error("cannot create store directory: " + ec.message(), dir.string());
    }
  }
}

Fd OpenLockFile(const fs::path& root, Store::Mode mode) {
  fs::path lock = layout::LockFile(root);
  Fd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid() && mode == Store::Mode::kRead && IsPermissionError(errno)) {
    fd.reset(::open(lock.c_str(), O_RDONLY | O_CLOEXEC));
  }
  if (!fd.valid()) {
    if (IsPermissionError(errno)) {
      throw NoRight(root, mode == Store::Mode::kWrite ? "write access to the store to change it" : "read access to the store");
    }
    throw SysError("open", lock.string(), errno);
  }
  return fd;
}

void Flock(int fd, int op, const fs::path& root) {
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    throw SysError("flock", layout::LockFile(root).string(), errno);
  }
}

}  // namespace

Store Store::Open(const fs::path& root, Mode mode) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) abs = root;
  if (mode == Mode::kWrite || !PathExists(layout::LayerDbTmp(abs))) CreateLayout(abs);
  Fd fd = OpenLockFile(abs, mode);
  fs::path dirty = layout::DirtyMarker(abs);
  if (mode == Mode::kWrite) {
    Flock(fd.get(), LOCK_EX, abs);
    if (PathExists(dirty)) RemoveLeftovers(abs);
    WriteFileDurable(dirty, "");
    FsyncDir(abs);
  } else {
    if (PathExists(dirty) && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      // Best effort: a reader without write access just reads.
      try {
        RemoveLeftovers(abs);
        ::unlink(dirty.c_str());
      } catch (const Error&) {
      }
    }
    Flock(fd.get(), LOCK_SH, abs);
  }
  Store s(abs, std::move(fd));
  s.writer_ = mode == Mode::kWrite;
  return s;
}

Store::Store(fs::path root, Fd lock_fd)
    : root_(std::move(root)), lock_fd_(std::move(lock_fd)), layers_(root_), images_(root_), refs_(root_) {}

Store::Store(Store&& other) noexcept
    : root_(std::move(other.root_)),
      lock_fd_(std::move(other.lock_fd_)),
      writer_(other.writer_),
      layers_(std::move(other.layers_)),
      images_(std::move(other.images_)),
      refs_(std::move(other.refs_)) {
  other.writer_ = false;
}

Store::~Store() {
  if (!lock_fd_.valid()) return;
  if (writer_) {
    // A writer unwinding from an error sweeps what it left half-made before
    // it lets go of the lock, so a failed command leaves the store as it
    // was. Only a killed process leaves the marker for the next open.
    bool clean = true;
    if (std::uncaught_exceptions() != 0) {
      try {
        RemoveLeftovers(root_);
      } catch (...) {
        clean = false;
      }
    }
    if (clean) ::unlink(layout::DirtyMarker(root_).c_str());
  }
}

std::optional<Digest> Store::Resolve(const std::string& ref) const {
  if (ref.rfind("sha256:", 0) == 0) return images_.ResolveId(ref);
  try {
    std::string normalized = NormalizeReference(ref);
    if (auto id = refs_.Get(normalized); id && images_.Exists(*id)) return id;
  } catch (const Error&) {
    // Not a valid name: it can still be an id prefix.
  }
  return images_.ResolveId(ref);
}

}  // namespace ubuild::store
