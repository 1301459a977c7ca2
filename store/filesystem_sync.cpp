#include "store/filesystem_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "store/base/error.h"

namespace ubuild::store {

FilesystemSync::FilesystemSync(const std::filesystem::path& any_path) : path_(any_path) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw SysError("open", path_.string(), errno);
  thread_ = std::thread([this] {
    if (::syncfs(fd_) != 0) error_ = errno;
  });
}

FilesystemSync::~FilesystemSync() {
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void FilesystemSync::Wait() {
  if (thread_.joinable()) thread_.join();
  if (error_ != 0) throw SysError("syncfs", path_.string(), error_);
}

}  // namespace ubuild::store
