#include "builder/run/run_mounts.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "builder/run/container_plan.h"
#include "builder/run/mount_points.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;

class RunMountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("ubuild-run-mounts-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "etc");
    std::ofstream(root_ / "etc" / "passwd") << "root:x:0:0::/root:/bin/sh\n";
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(RunMountsTest, ParentsMountBeforeChildrenAndReadOnlyBindsRemount) {
  ContainerPlan plan;
  MountPoints points(root_, "");
  RunMount child{RunMount::kBind, "/src", "/work/cache/sub", true, true, ""};
  RunMount parent{RunMount::kTmpfs, "", "/work", false, true, "size=4096"};
  RunMount secret{RunMount::kBind, "/secret", "/run/secrets/tok", true, false, ""};
  PlanRunMounts(plan, points, {child, parent, secret});
  ASSERT_EQ(plan.ops.size(), 7u);
  EXPECT_EQ(std::string(plan.ops[0].target), (root_ / "work").string());
  EXPECT_STREQ(plan.ops[0].fstype, "tmpfs");
  EXPECT_STREQ(plan.ops[0].data, "size=4096");
  EXPECT_EQ(plan.ops[0].flags, static_cast<unsigned long>(MS_NOSUID));
  // Inside the tmpfs: init makes the dirs once it is mounted.
  EXPECT_EQ(plan.ops[1].kind, SetupOp::kMkdir);
  EXPECT_EQ(std::string(plan.ops[1].target), (root_ / "work/cache").string());
  EXPECT_EQ(plan.ops[2].kind, SetupOp::kMkdir);
  EXPECT_EQ(std::string(plan.ops[3].target), (root_ / "work/cache/sub").string());
  EXPECT_EQ(plan.ops[3].flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_EQ(plan.ops[4].flags, static_cast<unsigned long>(MS_BIND | MS_REMOUNT | MS_RDONLY));
  EXPECT_EQ(std::string(plan.ops[5].source), "/secret");
  EXPECT_TRUE(fs::is_regular_file(root_ / "run/secrets/tok"));  // a file target for a file
  EXPECT_FALSE(fs::exists(root_ / "work/cache"));                // not in the rootfs under the tmpfs
}

TEST_F(RunMountsTest, TargetsAndTheParentsMadeForThemLeaveAgain) {
  {
    ContainerPlan plan;
    MountPoints points(root_, "");
    PlanRunMounts(plan, points,
                  {RunMount{RunMount::kTmpfs, "", "/a/b/c", false, true, ""},
                   RunMount{RunMount::kBind, "/s", "/etc/tok", true, false, ""}});
    points.Snapshot();
    EXPECT_TRUE(fs::exists(root_ / "a/b/c"));
    EXPECT_TRUE(fs::exists(root_ / "etc/tok"));
    points.Cleanup();
  }
  EXPECT_FALSE(fs::exists(root_ / "a"));
  EXPECT_FALSE(fs::exists(root_ / "etc/tok"));
  EXPECT_TRUE(fs::exists(root_ / "etc/passwd"));  // what was there stays
}

}  // namespace
}  // namespace ubuild::builder
