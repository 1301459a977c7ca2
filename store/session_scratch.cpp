#include "store/session_scratch.h"

#include <stdlib.h>
#include <sys/un.h>

#include <cerrno>

#include "store/base/error.h"

namespace ubuild::store {

namespace fs = std::filesystem;

fs::path MakeScratchDir(const fs::path& session_dir, std::string_view prefix) {
  if (session_dir.empty()) throw Error("no store session to hold temporary files", std::string(prefix));
  std::string tmpl = (session_dir / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw SysError("mkdtemp", tmpl, errno);
  return tmpl;
}

std::string SocketScratchTemplate(const fs::path& session_dir, std::string_view prefix) {
  std::string tmpl = (session_dir / (std::string(prefix) + "-XXXXXX")).string();
  // "<dir>/<name>" plus the terminating NUL.
  if (!session_dir.empty() && tmpl.size() + 1 + kSocketNameMax < sizeof(sockaddr_un::sun_path)) return tmpl;
  return (fs::temp_directory_path() / ("ubuild-" + std::string(prefix) + "-XXXXXX")).string();
}

}  // namespace ubuild::store
