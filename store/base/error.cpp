#include "store/base/error.h"

#include <cerrno>
#include <cstring>

#include "store/base/child_user_namespace.h"

namespace ubuild {

SystemError SysError(const std::string& call, const std::string& path, int err) {
  std::string what = call;
  if (!path.empty()) what += " " + path;
  what += ": ";
  what += std::strerror(err);
  if (err == EACCES || err == EPERM) {
    what += InChildUserNamespace() ? " (not permitted to rootless ubuild: see \"Rootless\" in the README)"
                                   : " (ubuild needs root for this: run it as root)";
  }
  return SystemError(what, err);
}

}  // namespace ubuild
