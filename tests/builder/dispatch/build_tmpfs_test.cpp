// The build's tmpfs: step dirs on one tmpfs mounted once, in the session's
// scratch, gone with the build.
#include "builder/dispatch/build_tmpfs.h"

#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <filesystem>
#include <optional>

#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::TempDir;

bool OnTmpfs(const fs::path& p) {
  struct statfs sf {};
  return ::statfs(p.c_str(), &sf) == 0 && sf.f_type == TMPFS_MAGIC;
}

TEST(BuildTmpfs, StepDirsShareOneTmpfsInTheSessionAndGoWithIt) {
  UBUILD_SKIP_UNLESS_ROOT("mount tmpfs");
  TempDir session;
  ASSERT_FALSE(OnTmpfs(session.path()));
  std::optional<BuildTmpfs> tmpfs(std::in_place);
  const fs::path a = tmpfs->MakeStepDir(session.path());
  const fs::path b = tmpfs->MakeStepDir(session.path());
  EXPECT_NE(a, b);
  EXPECT_TRUE(OnTmpfs(a));
  struct stat sa {}, sb {}, mount_point {};
  ASSERT_EQ(::stat(a.c_str(), &sa), 0);
  ASSERT_EQ(::stat(b.c_str(), &sb), 0);
  EXPECT_EQ(sa.st_dev, sb.st_dev) << "one tmpfs for the build, not one a step";
  EXPECT_EQ(sa.st_mode & 07777, 0700u);
  EXPECT_EQ(sb.st_mode & 07777, 0700u);
  // The mount point is the only entry the session gets.
  ASSERT_EQ(a.parent_path(), b.parent_path());
  EXPECT_EQ(a.parent_path().parent_path(), session.path());
  ASSERT_EQ(::stat(a.parent_path().c_str(), &mount_point), 0);
  EXPECT_EQ(mount_point.st_mode & 07777, 0700u);
  const fs::path mounted = a.parent_path();
  tmpfs.reset();
  EXPECT_FALSE(fs::exists(mounted));
  EXPECT_TRUE(fs::is_empty(session.path()));
}

TEST(BuildTmpfs, NeedsASession) {
  BuildTmpfs tmpfs;
  EXPECT_THROW(tmpfs.MakeStepDir(""), Error);
}

}  // namespace
}  // namespace ubuild::builder
