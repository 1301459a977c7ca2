// Store::Open: layout, lock, session, and the leftover sweep.
//
// Every writer begins a session (store_session.h) under ROOT/lock; a session
// directory whose flock is free means its process died, so the sweep runs,
// under the exclusive lock (by a reader too, when it can briefly get the
// lock to itself). Whatever a live process is still making outside the lock
// is flock'd by it (pending layer dirs, sessions), so the sweep can run while
// concurrent builds are between their steps' additions.
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

Error NoRight(const fs::path& root, const std::string& right, int err) {
  // Root cannot help on a read-only mount: say so, not "needs root".
  if (err == EROFS) {
    return Error("read-only file system: ubuild needs " + right +
                     " (remount it read-write, or use --root DIR / UBUILD_ROOT=DIR on a writable file system)",
                 root.string());
  }
  return Error("permission denied: ubuild needs " + right + " (run as root, or use --root DIR / UBUILD_ROOT=DIR with a directory you own)",
               root.string());
}

void CreateLayout(const fs::path& root) {
  for (const fs::path& dir : {layout::ImageContentDir(root), layout::ImageMetadataRoot(root), layout::LayerDbDir(root),
                              layout::LayerDbTmp(root), layout::LinkDir(root), layout::SessionsDir(root)}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      if (IsPermissionError(ec.value())) throw NoRight(root, "write access to the store root to create " + dir.string(), ec.value());
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
      throw NoRight(root, mode == Store::Mode::kWrite ? "write access to the store to change it" : "read access to the store",
                    errno);
    }
    throw SysError("open", lock.string(), errno);
  }
  return fd;
}

void Flock(int fd, int op, const fs::path& lock_file) {
  while (::flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    throw SysError("flock", lock_file.string(), errno);
  }
}

bool NeedsSweep(const fs::path& root) {
  return PathExists(layout::DirtyMarker(root)) || AnyDeadSession(root);
}

// REQUIRES: ROOT/lock held exclusively.
void Sweep(const fs::path& root) {
  RemoveLeftovers(root);
  // The marker of a store last written by an ubuild without sessions.
  ::unlink(layout::DirtyMarker(root).c_str());
}

}  // namespace

Store Store::Open(const fs::path& root, Mode mode) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) abs = root;
  if (mode != Mode::kRead || !PathExists(layout::LayerDbTmp(abs))) CreateLayout(abs);
  Fd fd = OpenLockFile(abs, mode);
  StoreSession session;
  if (mode == Mode::kRead) {
    if (NeedsSweep(abs) && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      // Best effort: a reader without write access (or whose sweep fails
      // for any other reason) just reads; the next writer sweeps.
      try {
        Sweep(abs);
      } catch (const std::exception&) {
      }
    }
    Flock(fd.get(), LOCK_SH, layout::LockFile(abs));
  } else {
    Flock(fd.get(), mode == Mode::kWrite ? LOCK_EX : LOCK_SH, layout::LockFile(abs));
    session = StoreSession::Begin(abs);
    if (NeedsSweep(abs)) {
      // Not atomic (flock converts by unlocking first), which is fine: the
      // session is flock'd already and the sweep decides under this lock.
      if (mode == Mode::kConcurrent) Flock(fd.get(), LOCK_EX, layout::LockFile(abs));
      Sweep(abs);
    }
    if (mode == Mode::kConcurrent) Flock(fd.get(), LOCK_UN, layout::LockFile(abs));
  }
  return Store(abs, std::move(fd), mode, std::move(session));
}

Store::Store(fs::path root, Fd lock_fd, Mode mode, StoreSession session)
    : root_(std::move(root)),
      lock_fd_(std::move(lock_fd)),
      mode_(mode),
      session_(std::move(session)),
      layers_(root_),
      images_(root_),
      refs_(root_) {}

Store::Store(Store&& other) noexcept
    : root_(std::move(other.root_)),
      lock_fd_(std::move(other.lock_fd_)),
      mode_(other.mode_),
      session_(std::move(other.session_)),
      refs_lock_fd_(std::move(other.refs_lock_fd_)),
      lock_depth_(std::exchange(other.lock_depth_, 0)),
      refs_depth_(std::exchange(other.refs_depth_, 0)),
      layers_(std::move(other.layers_)),
      images_(std::move(other.images_)),
      refs_(std::move(other.refs_)) {}

Store::~Store() {
  if (!lock_fd_.valid() || mode_ == Mode::kRead) return;
  // A writer unwinding from an error sweeps what it left half-made before
  // it lets go, so a failed command leaves the store as it was. Only a
  // killed process (or a failed sweep) leaves its session for the next open.
  bool clean = true;
  if (std::uncaught_exceptions() != 0) {
    try {
      if (mode_ == Mode::kConcurrent) Flock(lock_fd_.get(), LOCK_EX, layout::LockFile(root_));
      RemoveLeftovers(root_);
    } catch (...) {
      clean = false;
    }
  }
  if (clean) session_.End();
}

Store::Scope::~Scope() {
  if (store_ == nullptr) return;
  if (refs_ && --store_->refs_depth_ == 0) ::flock(store_->refs_lock_fd_.get(), LOCK_UN);
  if (--store_->lock_depth_ == 0) ::flock(store_->lock_fd_.get(), LOCK_UN);
}

Store::Scope Store::Adding() {
  if (mode_ != Mode::kConcurrent) return Scope(nullptr, false);
  if (lock_depth_ == 0) Flock(lock_fd_.get(), LOCK_SH, layout::LockFile(root_));
  ++lock_depth_;
  return Scope(this, false);
}

Store::Scope Store::Tagging() {
  if (mode_ != Mode::kConcurrent) return Scope(nullptr, false);
  Scope scope = Adding();
  const fs::path file_of_refs = layout::RefsLockFile(root_);
  if (!refs_lock_fd_.valid()) {
    refs_lock_fd_.reset(::open(file_of_refs.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!refs_lock_fd_.valid()) throw SysError("open", file_of_refs.string(), errno);
  }
  if (refs_depth_ == 0) Flock(refs_lock_fd_.get(), LOCK_EX, file_of_refs);
  ++refs_depth_;
  scope.refs_ = true;
  return scope;
}

std::set<Digest> Store::PinnedByOthers() const { return LivePins(root_, session_.id()); }

std::optional<Digest> Store::Resolve(const std::string& ref) const {
  if (ref.rfind("sha256:", 0) == 0) return images_.ResolveId(ref);
  if (size_t at = ref.find('@'); at != std::string::npos) {
    // name@sha256:… and name:tag@sha256:… (the tag is ignored, as Docker
    // ignores it): the image a pull or push recorded as that RepoDigest.
    const Digest manifest = Digest::Parse(ref.substr(at + 1));
    const std::string name = RepositoryOf(NormalizeReference(ref.substr(0, at)));
    auto id = refs_.GetDigest(name, manifest);
    if (id && images_.Exists(*id)) return id;
    return std::nullopt;
  }
  try {
    std::string normalized = NormalizeReference(ref);
    if (auto id = refs_.Get(normalized); id && images_.Exists(*id)) return id;
  } catch (const Error&) {
    // Not a valid name: it can still be an id prefix.
  }
  return images_.ResolveId(ref);
}

}  // namespace ubuild::store
