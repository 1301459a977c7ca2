#include "builder/dispatch/build_tmpfs.h"

#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "store/base/error.h"
#include "store/session_scratch.h"

namespace ubuild::builder {

namespace fs = std::filesystem;

BuildTmpfs::~BuildTmpfs() {
  if (dir_.empty()) return;
  // Detached: a plain unmount waits out an RCU grace period.
  ::umount2(dir_.c_str(), MNT_DETACH);
  ::rmdir(dir_.c_str());
}

fs::path BuildTmpfs::MakeStepDir(const fs::path& session_dir) {
  if (dir_.empty()) {
    const fs::path dir = store::MakeScratchDir(session_dir, "run-tmpfs");
    if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=700") != 0) {
      const int err = errno;
      ::rmdir(dir.c_str());
      throw SysError("mount tmpfs", dir.string(), err);
    }
    dir_ = dir;
  }
  std::string tmpl = (dir_ / "step-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw SysError("mkdtemp", tmpl, errno);
  return tmpl;
}

}  // namespace ubuild::builder
