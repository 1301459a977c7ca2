#include "store/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "store/error.h"

namespace ubuild::store {

std::vector<std::pair<std::string, std::string>> ReadXattrs(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string names(256, '\0');
  for (;;) {
    ssize_t n = ::llistxattr(path.c_str(), names.data(), names.size());
    if (n >= 0) {
      names.resize(static_cast<size_t>(n));
      break;
    }
    if (errno == ENOTSUP) return out;
    if (errno != ERANGE) throw SysError("llistxattr", path, errno);
    ssize_t need = ::llistxattr(path.c_str(), nullptr, 0);
    if (need < 0) throw SysError("llistxattr", path, errno);
    names.assign(static_cast<size_t>(need) + 1, '\0');
  }
  size_t start = 0;
  while (start < names.size()) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    std::string name = names.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    std::string value(64, '\0');
    for (;;) {
      ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
      if (n >= 0) {
        value.resize(static_cast<size_t>(n));
        break;
      }
      if (errno == ENODATA) {  // removed between list and get
        value.clear();
        name.clear();
        break;
      }
      if (errno != ERANGE) throw SysError("lgetxattr " + name, path, errno);
      ssize_t need = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
      if (need < 0) throw SysError("lgetxattr " + name, path, errno);
      value.assign(static_cast<size_t>(need) + 1, '\0');
    }
    if (!name.empty()) out.emplace_back(std::move(name), std::move(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ubuild::store
