#include "store/new_file_defaults.h"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace ubuild::store {

namespace {

// umask() can only be read by setting it, which would race with other
// threads creating files; /proc shows it without changing it.
bool ReadUmask(mode_t* mask) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) != 0) continue;
    try {
      *mask = static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

}  // namespace

NewFileDefaults::NewFileDefaults(const std::string& root) : euid_(::geteuid()), egid_(::getegid()) {
  if (!ReadUmask(&umask_)) return;
  const ssize_t acl = ::getxattr(root.c_str(), "system.posix_acl_default", nullptr, 0);
  modes_known_ = acl < 0 && (errno == ENODATA || errno == ENOTSUP);
}

}  // namespace ubuild::store
