#include "store/base/directory_names.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild {

std::vector<std::string> SortedDirectoryNames(int dir_fd, const std::string& what) {
  // fdopendir takes over its fd: give it a duplicate so the caller's stays usable.
  Fd dup_fd(fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (!dup_fd.valid()) throw SysError("dup", what, errno);
  DIR* d = fdopendir(dup_fd.get());
  if (!d) throw SysError("opendir", what, errno);
  dup_fd.release();  // closedir closes it
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    errno = 0;
  }
  int err = errno;
  closedir(d);
  if (err != 0) throw SysError("readdir", what, err);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ubuild
