#include "builder/dispatch/cache_mount_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "store/base/error.h"
#include "store/cache_mount_use.h"
#include "store/digest.h"
#include "store/layout.h"

namespace ubuild::builder {

namespace fs = std::filesystem;

fs::path TakeCacheMountDir(store::Store& store, const RunMountSpec& m, CacheMountHolds& holds,
                           const std::function<void(const fs::path& tmp)>& seed) {
  const fs::path all = store::layout::RunCacheMountDir(store.root());
  store::Sha256 sha;
  sha.Update(m.id);
  const fs::path base = all / sha.Final().hex();
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) throw SysError("mkdir", base.string(), ec.value());
  size_t instance = 0;
  if (auto it = holds.locked.find(base); it != holds.locked.end() && m.sharing == CacheSharing::kLocked) {
    // Waiting for our own lock would never end.
    instance = std::stoul(it->second.filename().string());
  } else if (m.sharing != CacheSharing::kShared) {
    for (;; ++instance) {
      const fs::path lock_path = base / (std::to_string(instance) + ".lock");
      Fd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
      if (!lock.valid()) throw SysError("open", lock_path.string(), errno);
      const bool wait = m.sharing == CacheSharing::kLocked;
      int rc;
      while ((rc = ::flock(lock.get(), LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR) {
      }
      if (rc == 0) {
        holds.locks.push_back(std::move(lock));
        break;
      }
      if (errno != EWOULDBLOCK) throw SysError("flock", lock_path.string(), errno);
    }
  }
  const fs::path dir = base / std::to_string(instance);
  if (m.sharing != CacheSharing::kShared) holds.locked.emplace(base, dir);
  const store::Store::Scope no_prune = store.Adding();  // until the hold below (cache_mount_use.h)
  fs::create_directories(base, ec);  // a prune since the first one removed it if no RUN held it
  if (::access(dir.c_str(), F_OK) != 0) {
    const fs::path tmp = base / (std::string(store::layout::kTempPrefix) + std::to_string(::getpid()) + "-" +
                                 std::to_string(instance));
    fs::remove_all(tmp, ec);
    if (seed) {
      seed(tmp);
    } else if (::mkdir(tmp.c_str(), 0755) != 0) {
      throw SysError("mkdir", tmp.string(), errno);
    }
    if (::chmod(tmp.c_str(), m.mode.value_or(0755)) != 0) throw SysError("chmod", tmp.string(), errno);
    if (::chown(tmp.c_str(), m.uid.value_or(0), m.gid.value_or(0)) != 0) throw SysError("chown", tmp.string(), errno);
    // Another build may have made it meanwhile: its copy wins.
    if (::rename(tmp.c_str(), dir.c_str()) != 0) fs::remove_all(tmp, ec);
  }
  holds.locks.push_back(store::HoldCacheMount(dir));
  return dir;
}

}  // namespace ubuild::builder
