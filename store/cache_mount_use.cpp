#include "store/cache_mount_use.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "store/base/error.h"
#include "store/layout.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

bool IsInstanceName(const std::string& name) {
  return !name.empty() && name.find_first_not_of("0123456789") == std::string::npos;
}

uint64_t FileBytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec) && !it->is_symlink(fec)) bytes += it->file_size(fec);
  }
  return bytes;
}

void RemoveTree(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw Error("cannot remove the cache mount: " + ec.message(), p.string());
}

// Flock'd exclusively, or invalid when a RUN holds `path`.
Fd TryExclusive(const fs::path& path, int open_flags) {
  Fd fd(::open(path.c_str(), open_flags | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", path.string(), errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return fd;
  if (errno != EWOULDBLOCK) throw SysError("flock", path.string(), errno);
  return Fd();
}

}  // namespace

Fd HoldCacheMount(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", dir.string(), errno);
  int rc;
  while ((rc = ::flock(fd.get(), LOCK_SH)) != 0 && errno == EINTR) {
  }
  if (rc != 0) throw SysError("flock", dir.string(), errno);
  return fd;
}

CacheMountsPruned RemoveUnusedCacheMounts(const fs::path& root) {
  CacheMountsPruned pruned;
  std::error_code ec;
  for (const auto& base : fs::directory_iterator(layout::RunCacheMountDir(root), ec)) {
    std::error_code bec;
    bool kept = false;
    for (const auto& entry : fs::directory_iterator(base.path(), bec)) {
      const std::string name = entry.path().filename().string();
      if (IsInstanceName(name)) {
        const Fd hold = TryExclusive(entry.path(), O_RDONLY | O_DIRECTORY);
        if (!hold.valid()) {
          ++pruned.in_use;
          kept = true;
          continue;
        }
        pruned.freed += FileBytes(entry.path());
        RemoveTree(entry.path());
      } else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0) {
        // A locked or private mount's RUN holds this before it takes the hold above.
        if (!TryExclusive(entry.path(), O_RDWR).valid()) {
          kept = true;
          continue;
        }
        RemoveTree(entry.path());
      } else {
        // A copy a killed RUN was making (made under ROOT/lock, which prune holds).
        pruned.freed += FileBytes(entry.path());
        RemoveTree(entry.path());
      }
    }
    if (!kept) RemoveTree(base.path());
  }
  return pruned;
}

}  // namespace ubuild::store
