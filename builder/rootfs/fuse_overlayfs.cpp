#include "builder/rootfs/fuse_overlayfs.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "store/base/directory_names.h"
#include "store/base/error.h"
#include "store/base/executable_search.h"
#include "store/base/fd.h"
#include "store/overlay_xattrs.h"

extern char** environ;

namespace ubuild::builder {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFuseOpaque = "user.fuseoverlayfs.opaque";
constexpr const char* kOpaqueFile = ".wh..wh..opq";
constexpr const char* kOpaqueDevice = ".wh..opq";

// fuse-overlayfs's output, without the notice it prints on every mount
// about an option the kernel passes it.
std::string Output(int fd) {
  std::string all, line, out;
  char buf[4096];
  ssize_t n;
  off_t at = 0;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
    all.append(buf, static_cast<size_t>(n));
    at += n;
  }
  std::istringstream in(all);
  while (std::getline(in, line)) {
    if (line.rfind("unknown argument ignored", 0) == 0 || line.empty()) continue;
    out += out.empty() ? line : "; " + line;
  }
  return out;
}

bool IsWhiteoutDevice(int dir_fd, const char* name) {
  struct stat st;
  return ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool IsEmptyFile(int dir_fd, const char* name) {
  struct stat st;
  return ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

// Whether this layer ends the lookup of `rel` before it reaches the layers
// below: an ancestor that is an opaque directory, a whiteout or no directory.
bool EndsLookup(const fs::path& layer, const std::string& rel) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    const fs::path ancestor = layer / rel.substr(0, slash);
    struct stat st;
    if (::lstat(ancestor.c_str(), &st) != 0) continue;
    if (!S_ISDIR(st.st_mode)) return true;
    char v[2];
    if (::lgetxattr(ancestor.c_str(), store::OverlayOpaqueXattr(), v, sizeof v) == 1 && v[0] == 'y') return true;
  }
  return false;
}

// Whether the lookup of `rel` in the lower layers meets an entry (a whiteout
// included): the kernel then made the directory opaque.
bool LowerLookupFinds(const std::string& rel, const std::vector<fs::path>& lower) {
  for (const fs::path& layer : lower) {  // nearest first
    struct stat st;
    if (::lstat((layer / rel).c_str(), &st) == 0) return true;
    if (EndsLookup(layer, rel)) return false;
  }
  return false;
}

void Normalize(const fs::path& dir, const std::string& rel, const std::vector<fs::path>& lower) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", dir.string(), errno);
  struct stat before;
  if (::fstat(fd.get(), &before) != 0) throw SysError("stat", dir.string(), errno);
  bool opaque = false;
  bool changed = false;
  char v[2];
  if (::fgetxattr(fd.get(), kFuseOpaque, v, sizeof v) == 1 && v[0] == 'y') {
    opaque = true;
    if (::fremovexattr(fd.get(), kFuseOpaque) != 0) throw SysError(std::string("removexattr ") + kFuseOpaque, dir.string(), errno);
  }
  if (IsEmptyFile(fd.get(), kOpaqueFile)) {
    opaque = true;
    if (::unlinkat(fd.get(), kOpaqueFile, 0) != 0) throw SysError("unlink", (dir / kOpaqueFile).string(), errno);
    changed = true;
  }
  if (IsWhiteoutDevice(fd.get(), kOpaqueDevice)) {
    opaque = true;
    if (::unlinkat(fd.get(), kOpaqueDevice, 0) != 0) throw SysError("unlink", (dir / kOpaqueDevice).string(), errno);
    changed = true;
  }
  if (opaque && !rel.empty() && LowerLookupFinds(rel, lower)) {
    if (::fsetxattr(fd.get(), store::OverlayOpaqueXattr(), "y", 1, 0) != 0) {
      throw SysError(std::string("setxattr ") + store::OverlayOpaqueXattr(), dir.string(), errno);
    }
  }
  for (const std::string& name : SortedDirectoryNames(fd.get(), dir.string())) {
    struct stat st;
    if (::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw SysError("stat", (dir / name).string(), errno);
    const std::string child = rel.empty() ? name : rel + "/" + name;
    if (S_ISDIR(st.st_mode)) {
      Normalize(dir / name, child, lower);
    } else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) && !LowerLookupFinds(child, lower)) {
      // A whiteout with nothing below to hide (left by rmdir of a directory
      // the same step made): the kernel writes none.
      if (::unlinkat(fd.get(), name.c_str(), 0) != 0) throw SysError("unlink", (dir / name).string(), errno);
      changed = true;
    }
  }
  if (changed) {
    const struct timespec times[2] = {before.st_atim, before.st_mtim};
    if (::futimens(fd.get(), times) != 0) throw SysError("utimensat", dir.string(), errno);
  }
}

}  // namespace

bool IsFuseOpaqueMarker(int dir_fd, const char* name) {
  const std::string_view n(name);
  return (n == kOpaqueFile && IsEmptyFile(dir_fd, name)) || (n == kOpaqueDevice && IsWhiteoutDevice(dir_fd, name));
}

void RemoveFuseOpaqueMarkers(int dir_fd) {
  for (const char* marker : {kOpaqueFile, kOpaqueDevice}) {
    if (IsFuseOpaqueMarker(dir_fd, marker)) ::unlinkat(dir_fd, marker, 0);
  }
}

std::string FindFuseOverlayfs() { return FindExecutable("fuse-overlayfs"); }

// fuse-overlayfs mounts and then detaches into the background, so its exit
// status says whether the mount is in place. Every write goes through it to
// the upperdir before the call returns, so the upperdir is whole once it is
// unmounted.
void MountFuseOverlayfs(const std::vector<fs::path>& lower, const fs::path& upper, const fs::path& work,
                        const fs::path& merged) {
  const std::string program = FindFuseOverlayfs();
  if (program.empty()) {
    throw Error("overlay: the kernel cannot mount overlayfs here and fuse-overlayfs is not on PATH (Debian: apt-get "
                "install fuse-overlayfs)", merged.string());
  }
  std::string lowers;
  for (const fs::path& dir : lower) lowers += (lowers.empty() ? "" : ":") + dir.string();
  const std::string options = "lowerdir=" + lowers + ",upperdir=" + upper.string() + ",workdir=" + work.string();
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>("-o"),
                             const_cast<char*>(options.c_str()), const_cast<char*>(merged.c_str()), nullptr};
  const Fd log(::memfd_create("fuse-overlayfs", MFD_CLOEXEC));
  if (!log.valid()) throw SysError("memfd_create", "", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 2);
  pid_t pid = 0;
  const int err = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) throw SysError("run fuse-overlayfs", merged.string(), err);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw SysError("wait for fuse-overlayfs", merged.string(), errno);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string said = Output(log.get());
    throw Error("fuse-overlayfs failed to mount" + (said.empty() ? std::string() : ": " + said), merged.string());
  }
}

void NormalizeFuseUpper(const fs::path& upper, const std::vector<fs::path>& lower) { Normalize(upper, "", lower); }

}  // namespace ubuild::builder
