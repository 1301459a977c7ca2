#include "store/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

// `list(buf, size)` and `get(name, buf, size)` are the l*xattr or f*xattr
// calls. Most files have no attributes: that case costs one call and no
// allocation.
template <typename List, typename Get>
std::vector<std::pair<std::string, std::string>> Read(const std::string& path, List list, Get get) {
  std::vector<std::pair<std::string, std::string>> out;
  char small[1024];
  std::string names;
  ssize_t n = list(small, sizeof small);
  if (n == 0) return out;
  if (n > 0) {
    names.assign(small, static_cast<size_t>(n));
  } else {
    if (errno == ENOTSUP) return out;
    if (errno != ERANGE) throw SysError("listxattr", path, errno);
    for (;;) {
      ssize_t need = list(nullptr, 0);
      if (need < 0) throw SysError("listxattr", path, errno);
      names.assign(static_cast<size_t>(need), '\0');
      n = list(names.data(), names.size());
      if (n >= 0) {
        names.resize(static_cast<size_t>(n));
        break;
      }
      if (errno != ERANGE) throw SysError("listxattr", path, errno);
    }
  }
  size_t start = 0;
  while (start < names.size()) {
    size_t end = names.find('\0', start);
    if (end == std::string::npos) end = names.size();
    std::string name = names.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    std::string value;
    bool present = true;
    for (;;) {
      ssize_t got = get(name.c_str(), small, sizeof small);
      if (got >= 0) {
        value.assign(small, static_cast<size_t>(got));
        break;
      }
      if (errno == ENODATA) {  // removed between list and get
        present = false;
        break;
      }
      if (errno != ERANGE) throw SysError("getxattr " + name, path, errno);
      ssize_t need = get(name.c_str(), nullptr, 0);
      if (need < 0) throw SysError("getxattr " + name, path, errno);
      value.assign(static_cast<size_t>(need), '\0');
      got = get(name.c_str(), value.data(), value.size());
      if (got >= 0) {
        value.resize(static_cast<size_t>(got));
        break;
      }
      if (errno != ERANGE) throw SysError("getxattr " + name, path, errno);
    }
    if (present) out.emplace_back(std::move(name), std::move(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ReadXattrs(const std::string& path) {
  const char* p = path.c_str();
  return Read(
      path, [p](char* buf, size_t size) { return ::llistxattr(p, buf, size); },
      [p](const char* name, void* buf, size_t size) { return ::lgetxattr(p, name, buf, size); });
}

std::vector<std::pair<std::string, std::string>> ReadXattrs(int fd, const std::string& path) {
  return Read(
      path, [fd](char* buf, size_t size) { return ::flistxattr(fd, buf, size); },
      [fd](const char* name, void* buf, size_t size) { return ::fgetxattr(fd, name, buf, size); });
}

}  // namespace ubuild::store
