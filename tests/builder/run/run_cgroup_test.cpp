#include "builder/run/run_cgroup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;

// This process's cgroup in the v2 hierarchy, wherever that is mounted
// (/sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1 controllers).
fs::path OwnV2Cgroup() {
  std::ifstream self("/proc/self/cgroup");
  std::string path;
  for (std::string line; std::getline(self, line);) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    if (path.empty() || line.find(" - cgroup2 ") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string id, parent, dev, root, mountpoint;
    fields >> id >> parent >> dev >> root >> mountpoint;
    if (root == "/") return fs::path(mountpoint) / fs::path(path).relative_path();
  }
  return {};
}

// What a process in `dir` may do: bit 0 open /dev/null, bit 1 open
// /dev/loop-control (c 10:237, not in Docker's list), bit 2 mknod of a
// block node.
int AccessFrom(const fs::path& dir, const fs::path& scratch) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::ofstream(dir / "cgroup.procs") << ::getpid() << std::flush;
    int bits = 0;
    if (int fd = ::open("/dev/null", O_RDWR); fd >= 0) bits |= 1, ::close(fd);
    if (int fd = ::open("/dev/loop-control", O_RDWR); fd >= 0) bits |= 2, ::close(fd);
    if (::mknod((scratch / "node").c_str(), S_IFBLK | 0600, makedev(7, 0)) == 0) bits |= 4;
    ::_exit(bits);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The v2 form of the device rules, a BPF program: on hosts whose devices
// controller is a v1 hierarchy (like this project's CI) RunCgroup does not
// use it, so it is tested here on its own.
TEST(DeviceRulesV2, OnlyDockersAllowlistOpens) {
  UBUILD_SKIP_UNLESS_ROOT("cgroups and BPF programs");
  const fs::path own = OwnV2Cgroup();
  if (own.empty() || ::access((own / "cgroup.procs").c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup v2 hierarchy";
  }
  if (::access("/dev/loop-control", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/loop-control to try";
  ubuild::testing::TempDir scratch;
  const fs::path dir = own / ("ubuild-test-devices-" + std::to_string(::getpid()));
  ASSERT_TRUE(fs::create_directory(dir));
  EXPECT_EQ(AccessFrom(dir, scratch.path()), 7);  // nothing attached yet
  fs::remove(scratch.path() / "node");
  AttachDeviceRules(dir);
  EXPECT_EQ(AccessFrom(dir, scratch.path()), 1 | 4);
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace ubuild::builder
