#include "store/base/file_data_copy.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "store/base/error.h"

namespace ubuild {

namespace {

// Below this size one read and one write beat copy_file_range's setup.
constexpr off_t kSmallFile = off_t{1} << 16;
constexpr size_t kBuffer = size_t{1} << 17;

bool Refused(int err) {
  return err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == EBADF || err == EPERM;
}

}  // namespace

void CopyFileData(int in, int out, off_t size, const std::string& what, const FileDataCopyOptions& options) {
  off_t done = 0;
  bool use_cfr = size >= kSmallFile &&
                 (options.try_copy_file_range == nullptr || options.try_copy_file_range->load(std::memory_order_relaxed));
  while (use_cfr && done < size) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(size - done), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && done == 0 && options.try_copy_file_range != nullptr && Refused(errno)) {
      *options.try_copy_file_range = false;  // this pair of filesystems can't: read/write from now on
      break;
    }
    if (n < 0) throw SysError("copy_file_range", what, errno);
    if (n == 0) {
      if (options.short_is_error) throw Error("file shrank while being copied", what);
      return;
    }
    done += n;
  }
  static thread_local std::vector<char> buf(kBuffer);
  while (done < size) {
    const size_t want = static_cast<size_t>(std::min<off_t>(size - done, static_cast<off_t>(buf.size())));
    ssize_t n = ::read(in, buf.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("read", what, errno);
    if (n == 0) {
      if (options.short_is_error) throw Error("file shrank while being copied", what);
      return;
    }
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw SysError("write", what, errno);
      off += w;
    }
    done += n;
  }
}

}  // namespace ubuild
