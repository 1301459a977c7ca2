#include "store/pending_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

std::map<std::string, int>& Held() {
  static std::map<std::string, int> held;
  return held;
}

}  // namespace

void LockPendingDir(const std::string& cache_id, const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw SysError("open", dir.string(), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    throw SysError("flock", dir.string(), err);
  }
  Held()[cache_id] = fd;
}

void UnlockPendingDir(const std::string& cache_id) {
  auto it = Held().find(cache_id);
  if (it == Held().end()) return;
  ::close(it->second);
  Held().erase(it);
}

bool PendingDirInUse(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return busy;
}

}  // namespace ubuild::store
