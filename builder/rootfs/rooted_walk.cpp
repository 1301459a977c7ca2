#include "builder/rootfs/rooted_walk.h"

#include <unistd.h>

namespace ubuild::builder {

std::string ReadSymlink(int dirfd, const std::string& path, const std::string& shown) {
  std::string target(4096, '\0');
  const ssize_t n = ::readlinkat(dirfd, path.c_str(), target.data(), target.size());
  if (n < 0) throw SysError("readlink", shown, errno);
  target.resize(static_cast<size_t>(n));
  return target;
}

}  // namespace ubuild::builder
