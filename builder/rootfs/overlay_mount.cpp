#include "builder/rootfs/overlay_mount.h"

#include <fcntl.h>
#include <libmount/libmount.h>
#include <sched.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include "builder/rootfs/fuse_overlayfs.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/named_process.h"
#include "store/overlay_xattrs.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

// merged -> upper of every live OverlayMount, so RunInContainer can clean the
// mount points it had to create out of the layer without widening RunSpec.
struct LiveMount {
  fs::path upper;
  bool fuse = false;
  std::vector<std::function<void()>> at_unmount;
};
std::mutex registry_mutex;
std::map<fs::path, LiveMount>& Registry() {
  static std::map<fs::path, LiveMount> registry;
  return registry;
}

// The registry key of a mount point: absolute, symlinks resolved.
fs::path MountKey(const fs::path& merged) {
  std::error_code ec;
  fs::path key = fs::absolute(merged, ec);
  if (!ec) key = fs::weakly_canonical(key, ec);
  if (ec) throw SysError("realpath", merged.string(), ec.value());
  return key;
}

// A kernel that predates a feature has no parameter for it and would reject
// the option; the feature is then off anyway. Without sysfs, assume a modern kernel.
bool KernelKnowsOption(const char* name) {
  std::error_code ec;
  if (!fs::exists("/sys/module/overlay/parameters", ec)) return true;
  return fs::exists(fs::path("/sys/module/overlay/parameters") / name, ec);
}

// The options that keep upperdir a faithful diff (design.md §4): no renamed
// directories recorded as redirects, no metadata-only copy-ups, no index.
// With userxattr the kernel refuses redirect_dir=off where that means
// "follow"; "nofollow" creates none either.
const char* FidelityValue(const char* name) {
  return InChildUserNamespace() && std::string_view(name) == "redirect_dir" ? "nofollow" : "off";
}

std::string FidelityOptions() {
  std::string out;
  for (const char* name : {"redirect_dir", "metacopy", "index"}) {
    if (KernelKnowsOption(name)) out += std::string(",") + name + "=" + FidelityValue(name);
  }
  return out;
}

bool KernelHasVolatile() {
  static const bool has = [] {
    struct utsname u {};
    if (::uname(&u) != 0) return false;
    int major = 0, minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
    return major > 5 || (major == 5 && minor >= 10);
  }();
  return has;
}

std::string SpeedOptions() { return KernelHasVolatile() ? ",volatile" : ""; }

// A lower layer on another filesystem (a RUN's init layer, on the build's
// tmpfs) would give the image's files st_dev numbers other than their
// directories' and the directories made-up inode numbers; xino keeps them as
// with every layer on one filesystem, where it changes nothing.
bool KernelHasXino() { return KernelKnowsOption("xino_auto"); }

// Inside a user namespace overlay may not touch trusted.* and keeps its
// state in user.overlay.* instead (Linux 5.11+), as the store expects there.
std::string NamespaceOptions() { return InChildUserNamespace() ? ",userxattr" : ""; }

std::string JoinLower(const std::vector<fs::path>& lower, const fs::path& base) {
  std::string out;
  for (const auto& dir : lower) {
    if (!out.empty()) out += ':';
    out += base.empty() ? dir.string() : dir.lexically_relative(base).string();
  }
  return out;
}

std::string Options(const std::vector<fs::path>& lower, const fs::path& upper, const fs::path& work,
                    const fs::path& base) {
  auto rel = [&](const fs::path& p) { return base.empty() ? p.string() : p.lexically_relative(base).string(); };
  return "lowerdir=" + JoinLower(lower, base) + ",upperdir=" + rel(upper) + ",workdir=" + rel(work) +
         FidelityOptions() + SpeedOptions() + NamespaceOptions() + (KernelHasXino() ? ",xino=auto" : "");
}

bool IsUnder(const fs::path& p, const fs::path& dir) {
  const fs::path rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

fs::path CommonParent(const std::vector<fs::path>& paths) {
  fs::path common = paths.front();
  for (const auto& p : paths) {
    while (!IsUnder(p, common) && common != common.root_path()) common = common.parent_path();
  }
  return common;
}

// Overlay paths must not contain the option separators; the kernel would
// split them silently into other layers.
void CheckPath(const fs::path& p) {
  const std::string s = p.string();
  if (s.find_first_of(":,") != std::string::npos) {
    throw Error("overlay layer path contains ':' or ','", s);
  }
}

struct ContextDeleter {
  void operator()(libmnt_context* c) const { mnt_free_context(c); }
};

void MountWithLibmount(const std::string& options, const fs::path& merged) {
  std::unique_ptr<libmnt_context, ContextDeleter> cxt(mnt_new_context());
  if (!cxt) throw Error("mnt_new_context failed", merged.string());
  // No /sbin/mount.overlay helper, no mtab/utab bookkeeping, no path rewriting:
  // the options are exactly what the kernel gets.
  mnt_context_disable_helpers(cxt.get(), 1);
  mnt_context_disable_mtab(cxt.get(), 1);
  mnt_context_disable_canonicalize(cxt.get(), 1);
  mnt_context_set_fstype(cxt.get(), "overlay");
  mnt_context_set_source(cxt.get(), "overlay");
  mnt_context_set_target(cxt.get(), merged.c_str());
  mnt_context_set_options(cxt.get(), options.c_str());
  const int rc = mnt_context_mount(cxt.get());
  if (rc == 0 && mnt_context_get_status(cxt.get()) == 1) return;
  if (mnt_context_syscall_called(cxt.get())) {
    throw SysError("mount overlay", merged.string(), mnt_context_get_syscall_errno(cxt.get()));
  }
  char buf[BUFSIZ] = {};
  mnt_context_get_excode(cxt.get(), rc, buf, sizeof buf);
  throw Error(std::string("mount overlay: ") + (buf[0] ? buf : "libmount failed"), merged.string());
}

// The new mount API takes each lower layer as its own "lowerdir+" parameter
// (Linux 6.8+), so no page-size limit applies to the stack as a whole.
void MountWithFsconfig(const std::vector<fs::path>& lower, const fs::path& upper, const fs::path& work,
                       const fs::path& merged) {
  const Fd fsfd(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fsfd.valid()) throw SysError("fsopen overlay", merged.string(), errno);
  auto set = [&](const char* key, const std::string& value) {
    if (::fsconfig(fsfd.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0) {
      throw SysError(std::string("fsconfig ") + key, value, errno);
    }
  };
  for (const auto& dir : lower) set("lowerdir+", dir.string());
  set("upperdir", upper.string());
  set("workdir", work.string());
  for (const char* name : {"redirect_dir", "metacopy", "index"}) {
    if (KernelKnowsOption(name)) set(name, FidelityValue(name));
  }
  if (KernelHasXino()) set("xino", "auto");
  if (KernelHasVolatile() && ::fsconfig(fsfd.get(), FSCONFIG_SET_FLAG, "volatile", nullptr, 0) != 0) {
    throw SysError("fsconfig volatile", merged.string(), errno);
  }
  if (InChildUserNamespace() && ::fsconfig(fsfd.get(), FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) != 0) {
    throw SysError("fsconfig userxattr", merged.string(), errno);
  }
  if (::fsconfig(fsfd.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    throw SysError("mount overlay", merged.string(), errno);
  }
  const Fd mfd(::fsmount(fsfd.get(), FSMOUNT_CLOEXEC, 0));
  if (!mfd.valid()) throw SysError("fsmount overlay", merged.string(), errno);
  if (::move_mount(mfd.get(), "", AT_FDCWD, merged.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    throw SysError("move_mount overlay", merged.string(), errno);
  }
}

// The kernel's overlayfs: options in the one page mount(2) copies, else
// relative to a common parent, else one by one through fsconfig.
void MountKernelOverlay(const std::vector<fs::path>& lower, const fs::path& upper, const fs::path& work,
                        const fs::path& merged) {
  // The kernel copies mount(2) options into one page.
  const size_t limit = static_cast<size_t>(::sysconf(_SC_PAGESIZE)) - 1;
  const std::string absolute = Options(lower, upper, work, {});
  if (absolute.size() <= limit) {
    MountWithLibmount(absolute, merged);
  } else {
    // Docker's trick: short l/<LINK> names relative to the common parent,
    // resolved by the kernel against our cwd at mount time.
    std::vector<fs::path> all = lower;
    all.push_back(upper);
    all.push_back(work);
    const fs::path base = CommonParent(all);
    const std::string relative = Options(lower, upper, work, base);
    if (relative.size() <= limit && base != base.root_path()) {
      const Fd cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!cwd.valid()) throw SysError("open", ".", errno);
      if (::chdir(base.c_str()) != 0) throw SysError("chdir", base.string(), errno);
      try {
        MountWithLibmount(relative, merged);
      } catch (...) {
        (void)!::fchdir(cwd.get());
        throw;
      }
      (void)!::fchdir(cwd.get());
    } else {
      MountWithFsconfig(lower, upper, work, merged);
    }
  }
}

// Once the kernel refused, later mounts of this process go straight to
// fuse-overlayfs.
std::atomic<bool> fuse_chosen{false};

bool UseFuseOverlayfs() {
  static const bool asked = [] {
    const char* env = std::getenv("UBUILD_OVERLAY");
    return env != nullptr && std::string_view(env) == "fuse-overlayfs";
  }();
  return asked || fuse_chosen.load();
}

}  // namespace

OverlayMount::OverlayMount(const std::vector<fs::path>& lower_in, const fs::path& upper_in, const fs::path& work_in,
                           const fs::path& merged_in)
    : merged_(MountKey(merged_in)),
      work_(fs::absolute(work_in).lexically_normal()),
      upper_(fs::absolute(upper_in).lexically_normal()) {
  std::vector<fs::path> lower;
  for (const auto& dir : lower_in) lower.push_back(fs::absolute(dir).lexically_normal());
  const fs::path upper = fs::absolute(upper_in).lexically_normal();
  const fs::path work = fs::absolute(work_in).lexically_normal();
  if (lower.empty()) {
    // FROM scratch: overlay needs at least one lower layer. Made beside
    // merged (in a build, in the pending layer's dir), where the recovery
    // after a killed build removes it, not in /tmp.
    std::string tmpl = (merged_.parent_path() / "scratch-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw SysError("mkdtemp", tmpl, errno);
    scratch_lower_ = tmpl;
    lower.push_back(scratch_lower_);
  }
  try {
    for (const auto& p : lower) CheckPath(p);
    CheckPath(upper);
    CheckPath(work);
    CheckPath(merged_);

    if (UseFuseOverlayfs()) {
      MountFuseOverlayfs(lower, upper, work, merged_);
      fuse_ = true;
    } else {
      try {
        MountKernelOverlay(lower, upper, work, merged_);
      } catch (const Error& e) {
        // Kernels before 5.11, and filesystems without user xattrs, refuse
        // overlay in a user namespace; fuse-overlayfs does the same there.
        if (!InChildUserNamespace()) throw;
        if (FindFuseOverlayfs().empty()) {
          struct statfs fs {};
          if (::statfs(upper.c_str(), &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC) {
            throw Error(e.what() + std::string(" (the store is on overlayfs, a container's own root perhaps, which "
                                               "overlay cannot take as an upper layer: put the store on a volume)"),
                        e.where());
          }
          throw;
        }
        MountFuseOverlayfs(lower, upper, work, merged_);
        fuse_chosen.store(true);
        fuse_ = true;
      }
    }
    if (fuse_) fuse_lower_ = lower;
  } catch (...) {
    if (!scratch_lower_.empty()) {
      std::error_code ec;
      fs::remove(scratch_lower_, ec);
    }
    throw;
  }
  mounted_ = true;
  std::lock_guard lock(registry_mutex);
  Registry()[merged_] = LiveMount{upper, fuse_, {}};
}

OverlayMount::~OverlayMount() {
  try {
    Unmount();
  } catch (...) {
    // Destructors must not throw; a lazy detach was already attempted.
  }
}

void OverlayMount::Unmount() {
  if (mounted_) {
    if (::umount2(merged_.c_str(), (detach_ && !fuse_ ? MNT_DETACH : 0) | UMOUNT_NOFOLLOW) != 0) {
      const int err = errno;
      // Still busy (a straggler holding a file open): detach now, the kernel
      // finishes when the last user goes, and the upperdir is complete already.
      if (err != EBUSY || ::umount2(merged_.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
        throw SysError("umount", merged_.string(), err);
      }
    }
    mounted_ = false;
    // A volatile mount leaves work/work/incompat/volatile, and overlay
    // refuses that workdir until it is gone; Docker's layers have none.
    std::error_code ec;
    fs::remove_all(work_ / "work" / "incompat", ec);
    std::vector<std::function<void()>> pending;
    {
      std::lock_guard lock(registry_mutex);
      auto it = Registry().find(merged_);
      if (it != Registry().end()) {
        pending = std::move(it->second.at_unmount);
        Registry().erase(it);
      }
    }
    // Before the normalization: what they remove must not be marked or
    // re-timed by it first.
    for (auto& fn : pending) fn();
    if (fuse_) NormalizeFuseUpper(upper_, fuse_lower_);
  }
  if (!scratch_lower_.empty()) {
    std::error_code ec;
    fs::remove(scratch_lower_, ec);
    scratch_lower_.clear();
  }
}

fs::path OverlayMount::UpperDirOf(const fs::path& merged) {
  std::lock_guard lock(registry_mutex);
  auto it = Registry().find(MountKey(merged));
  return it == Registry().end() ? fs::path() : it->second.upper;
}

bool OverlayMount::IsFuseAt(const fs::path& merged) {
  std::lock_guard lock(registry_mutex);
  auto it = Registry().find(MountKey(merged));
  return it != Registry().end() && it->second.fuse;
}

bool OverlayMount::NextIsFuse() { return UseFuseOverlayfs(); }

void OverlayMount::AtUnmount(const fs::path& merged, std::function<void()> fn) {
  std::lock_guard lock(registry_mutex);
  auto it = Registry().find(MountKey(merged));
  if (it != Registry().end()) it->second.at_unmount.push_back(std::move(fn));
}

namespace {

constexpr std::string_view kProbePrefix = "overlay-probe-";

// A probe dir is named by its prober's pid: one whose process is gone (a
// SIGKILL'd `ubuild info`) is left over, and the next probe removes it. A
// reused pid only postpones that.
void RemoveDeadProbes(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kProbePrefix, 0) != 0) continue;
    const std::string rest = name.substr(kProbePrefix.size());
    const size_t dash = rest.find('-');
    if (dash == std::string::npos || ProcessNamedBy(std::string_view(rest).substr(0, dash)) != NamedProcess::kGone) {
      continue;
    }
    std::error_code rec;
    fs::remove_all(entry.path(), rec);
  }
}

}  // namespace

std::string OverlayMount::ProbeKind(const fs::path& dir) {
  RemoveDeadProbes(dir);
  std::string tmpl = (dir / (std::string(kProbePrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw SysError("mkdtemp", tmpl, errno);
  const fs::path scratch = tmpl;
  for (const char* sub : {"lower", "upper", "work", "merged"}) fs::create_directory(scratch / sub);
  const pid_t pid = ::fork();
  if (pid < 0) throw SysError("fork", "", errno);
  if (pid == 0) {
    // Kind by exit status: 0 kernel, 2 fuse-overlayfs, 1 none.
    int code = 1;
    try {
      if (::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) == 0) {
        OverlayMount m({scratch / "lower"}, scratch / "upper", scratch / "work", scratch / "merged");
        code = m.fuse() ? 2 : 0;
        m.Unmount();
      }
    } catch (const std::exception&) {
    }
    ::_exit(code);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  if (code == 0) return InChildUserNamespace() ? "overlay (userxattr)" : "overlay";
  if (code == 2) return "fuse-overlayfs";
  return "none";
}

}  // namespace ubuild::builder
