#include "store/session_scratch.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/un.h>

#include <cerrno>
#include <fstream>
#include <iterator>

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

void KillSessionHelpers(const fs::path& session_dir) {
  const std::string inside = session_dir.string() + "/";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    std::error_code cwd_ec;
    const std::string cwd = fs::read_symlink(entry.path() / "cwd", cwd_ec).string() + "/";
    if (!cwd_ec && cwd.compare(0, inside.size(), inside) == 0) {
      ::kill(pid, SIGKILL);
      continue;
    }
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t at = 0; at < cmdline.size();) {
      const size_t end = cmdline.find('\0', at);
      if (cmdline.compare(at, inside.size(), inside) == 0) {
        ::kill(pid, SIGKILL);
        break;
      }
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
}

}  // namespace ubuild::store
