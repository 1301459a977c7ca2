#include "store/byte_stream.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/base/error.h"

namespace ubuild::store {

void FdSink::Write(const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = ::write(fd_, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("write", name_, errno);
    }
    p += n;
    len -= static_cast<size_t>(n);
  }
}

size_t FdSource::Read(void* data, size_t len) {
  for (;;) {
    ssize_t n = ::read(fd_, data, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw SysError("read", name_, errno);
  }
}

size_t StringSource::Read(void* data, size_t len) {
  size_t n = std::min(len, data_.size() - pos_);
  std::memcpy(data, data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace ubuild::store
