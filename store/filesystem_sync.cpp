#include "store/filesystem_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "store/base/error.h"

namespace ubuild::store {

void SyncFilesystem(const std::filesystem::path& any_path) {
  Fd fd(::open(any_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", any_path.string(), errno);
  if (::syncfs(fd.get()) != 0) throw SysError("syncfs", any_path.string(), errno);
}

FilesystemSync::FilesystemSync(const std::filesystem::path& any_path) : path_(any_path) {
  fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_.valid()) throw SysError("open", path_.string(), errno);
  thread_ = std::thread([this] {
    if (::syncfs(fd_.get()) != 0) error_ = errno;
  });
}

FilesystemSync::~FilesystemSync() {
  if (thread_.joinable()) thread_.join();
}

void FilesystemSync::Wait() {
  if (thread_.joinable()) thread_.join();
  if (error_ != 0) throw SysError("syncfs", path_.string(), error_);
}

}  // namespace ubuild::store
