#pragma once
// The one owning file descriptor. Everything is inline: the layer tar writer
// and the file copier open one per file, so the wrapper must cost nothing over
// a bare int.
#include <unistd.h>

#include <string>
#include <utility>

#include "store/base/error.h"

namespace ubuild {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (ignoring close's result) and owns `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Closes now and throws SysError("close", path) on failure: for a file just
  // written, close is the last place a delayed write error shows up.
  void Close(const std::string& path) {
    if (::close(release()) != 0) throw SysError("close", path, errno);
  }

 private:
  int fd_ = -1;
};

}  // namespace ubuild
