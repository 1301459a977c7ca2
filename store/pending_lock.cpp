#include "store/pending_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::store {

namespace {

std::map<std::string, Fd>& Held() {
  static std::map<std::string, Fd> held;
  return held;
}

// A pull unpacks several layers at once, each making and dropping its
// pending dir on its own thread.
std::mutex& HeldMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

void LockPendingDir(const std::string& cache_id, const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", dir.string(), errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) throw SysError("flock", dir.string(), errno);
  std::lock_guard lock(HeldMutex());
  Held()[cache_id] = std::move(fd);
}

void UnlockPendingDir(const std::string& cache_id) {
  std::lock_guard lock(HeldMutex());
  Held().erase(cache_id);
}

bool PendingDirInUse(const std::filesystem::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return false;
  return ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

}  // namespace ubuild::store
