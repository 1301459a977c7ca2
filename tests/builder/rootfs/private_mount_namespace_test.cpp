#include "builder/rootfs/private_mount_namespace.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::TempDir;

bool IsMountPoint(const fs::path& p) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  const std::string needle = " " + p.string() + " ";
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

// The namespace changes the whole process, so a forked child enters it.
// Under a shared mount (where a plain copy of the namespace would send its
// mounts back to the host's), a mount the child makes stays out of this
// table, and a mount made here afterwards still reaches the child (a slave,
// not a private copy that would keep the host's mounts busy).
TEST(PrivateMountNamespace, MountsStayInsideAndHostMountsReachIt) {
  UBUILD_SKIP_UNLESS_ROOT("unshare(CLONE_NEWNS)");
  TempDir dir;
  const fs::path base = dir.path() / "base";
  const fs::path inside = base / "inside";
  const fs::path outside = base / "outside";
  fs::create_directories(base);
  ASSERT_EQ(::mount("tmpfs", base.c_str(), "tmpfs", 0, nullptr), 0);
  ASSERT_EQ(::mount(nullptr, base.c_str(), nullptr, MS_SHARED, nullptr), 0);
  fs::create_directories(inside);
  fs::create_directories(outside);
  int to_child[2], to_parent[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(to_parent), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char c = 0;
    try {
      EnterPrivateMountNamespace();
    } catch (const Error&) {
      ::_exit(10);
    }
    if (::mount("tmpfs", inside.c_str(), "tmpfs", 0, nullptr) != 0) ::_exit(11);
    if (::write(to_parent[1], "m", 1) != 1) ::_exit(12);
    if (::read(to_child[0], &c, 1) != 1) ::_exit(13);  // the parent mounted `outside`
    ::_exit(IsMountPoint(outside) ? 0 : 14);
  }
  char c = 0;
  EXPECT_EQ(::read(to_parent[0], &c, 1), 1);
  EXPECT_FALSE(IsMountPoint(inside));
  EXPECT_EQ(::mount("tmpfs", outside.c_str(), "tmpfs", 0, nullptr), 0);
  EXPECT_EQ(::write(to_child[1], "o", 1), 1);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  ::umount2(outside.c_str(), MNT_DETACH);
  ::umount2(inside.c_str(), MNT_DETACH);
  ::umount2(base.c_str(), MNT_DETACH);
  for (int fd : {to_child[0], to_child[1], to_parent[0], to_parent[1]}) ::close(fd);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace ubuild::builder
