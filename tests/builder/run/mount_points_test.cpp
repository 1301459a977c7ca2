#include "builder/run/mount_points.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "builder/rootfs/overlay_mount.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;
using ubuild::testing::ListTree;
using ubuild::testing::TempDir;

class MountPointsOverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("overlay mounts");
    for (const char* d : {"lower/pre/keep", "upper", "work", "merged"}) fs::create_directories(P(d));
  }
  fs::path P(const char* rel) const { return dir_.path() / rel; }
  TempDir dir_;
};

// /pre and /pre/keep are both copied up to hold the target: the two go at
// the unmount, though removing /pre/keep changes /pre's times.
TEST_F(MountPointsOverlayTest, NestedCopiedUpParentsLeaveAtTheUnmount) {
  OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
  {
    MountPoints points(P("merged"), OverlayMount::UpperDirOf(P("merged")));
    points.Ensure("/pre/keep/cache", true);
    points.Ensure("/pre/tok", false);
    points.Snapshot();
    EXPECT_TRUE(fs::is_directory(P("upper/pre/keep/cache")));
    points.Cleanup();
  }
  m.Unmount();
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{});
  EXPECT_TRUE(fs::is_directory(P("lower/pre/keep")));
}

// What the RUN wrote beside a target keeps its copied-up parent; the
// untouched one between goes.
TEST_F(MountPointsOverlayTest, AParentTheRunWroteToStays) {
  OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
  {
    MountPoints points(P("merged"), OverlayMount::UpperDirOf(P("merged")));
    points.Ensure("/pre/keep/cache", true);
    points.Snapshot();
    std::ofstream(P("merged/pre/written")) << "x";
    points.Cleanup();
  }
  m.Unmount();
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"pre", "pre/written"}));
}

}  // namespace
}  // namespace ubuild::builder
