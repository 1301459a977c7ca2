#include "builder/rootfs/init_layer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <ctime>
#include <string>
#include <vector>

#include "builder/rootfs/overlay_mount.h"
#include "store/base/error.h"
#include "store/overlay_xattrs.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::ListTree;
using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

class InitLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("chown, whiteouts and overlay mounts");
    for (const char* d : {"near", "far", "init", "upper", "work", "merged"}) fs::create_directories(P(d));
  }
  fs::path P(const std::string& rel) const { return dir_.path() / rel; }
  std::vector<fs::path> Lower() const { return {P("near"), P("far")}; }
  // /a as an image might have it: odd mode, owner, time and an attribute.
  void OddDir(const std::string& rel) {
    fs::create_directories(P(rel));
    WriteFile(P(rel + "/f"), "f");
    ASSERT_EQ(::chown(P(rel).c_str(), 1000, 2000), 0);
    ASSERT_EQ(::chmod(P(rel).c_str(), 02750), 0);
    ASSERT_EQ(::lsetxattr(P(rel).c_str(), "user.colour", "red", 3, 0), 0);
    const timespec times[2] = {{1500000000, 5}, {1600000000, 7}};
    ASSERT_EQ(::utimensat(AT_FDCWD, P(rel).c_str(), times, 0), 0);
  }
  TempDir dir_;
};

struct stat Stat(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

std::string Xattr(const fs::path& p, const char* key) {
  char buf[64] = {};
  const ssize_t n = ::lgetxattr(p.c_str(), key, buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

TEST_F(InitLayerTest, AParentCarriesTheRealDirectorysAttributes) {
  OddDir("far/a");
  auto paths = BuildInitLayer(Lower(), P("init"), {{"/a/b/c", true}, {"/a/sec", false}}, {"/"});
  ASSERT_TRUE(paths);
  EXPECT_EQ(paths->made, (std::vector<std::string>{"a/b", "a/b/c", "a/sec"}));
  const struct stat real = Stat(P("far/a")), init = Stat(P("init/a"));
  EXPECT_EQ(init.st_mode, real.st_mode);
  EXPECT_EQ(init.st_uid, 1000u);
  EXPECT_EQ(init.st_gid, 2000u);
  EXPECT_EQ(init.st_mtim.tv_sec, 1600000000);
  EXPECT_EQ(init.st_mtim.tv_nsec, 7);
  EXPECT_EQ(Xattr(P("init/a"), "user.colour"), "red");
  EXPECT_FALSE(fs::exists(P("init/a/f")));  // the real files stay below
  EXPECT_EQ(Stat(P("init/a/b/c")).st_mode, S_IFDIR | 0755u);
  EXPECT_EQ(Stat(P("init/a/sec")).st_mode, S_IFREG | 0644u);
  EXPECT_EQ(paths->copied, std::vector<std::string>{"a"});
  EXPECT_TRUE(RemoveInitLayer(P("init"), *paths));
  EXPECT_FALSE(fs::exists(P("init")));
}

// Docker's init layer makes /etc afresh for /etc/hosts: a RUN writing into
// /etc leaves it with the time of the run, as under Docker 20.10.
TEST_F(InitLayerTest, AContainerMountPointsParentHasTheTimeOfItsMaking) {
  OddDir("far/a");
  const time_t before = ::time(nullptr);
  auto paths = BuildInitLayer(Lower(), P("init"), {{"/a/hosts", false, true}, {"/a/b/c", true}}, {});
  ASSERT_TRUE(paths);
  const struct stat init = Stat(P("init/a"));
  EXPECT_EQ(init.st_mode, Stat(P("far/a")).st_mode);
  EXPECT_EQ(init.st_uid, 1000u);
  EXPECT_GE(init.st_mtim.tv_sec, before);
  EXPECT_EQ(Xattr(P("init/a"), "user.colour"), "red");
}

TEST_F(InitLayerTest, RemovingLeavesWhatItDidNotMake) {
  auto paths = BuildInitLayer(Lower(), P("init"), {{"/x/y", true}}, {});
  ASSERT_TRUE(paths);
  WriteFile(P("init/x/stranger"), "");
  EXPECT_FALSE(RemoveInitLayer(P("init"), *paths));
  EXPECT_EQ(ListTree(P("init")), (std::vector<std::string>{"x", "x/stranger"}));
}

// What a RUN writes into such a parent: the copy-up takes the init layer's
// /a, which must leave the layer as the real /a would.
TEST_F(InitLayerTest, ARunWritingIntoAParentLeavesItsRealAttributes) {
  OddDir("far/a");
  ASSERT_TRUE(BuildInitLayer(Lower(), P("init"), {{"/a/b/c", true}}, {}));
  {
    OverlayMount m({P("init"), P("near"), P("far")}, P("upper"), P("work"), P("merged"));
    EXPECT_TRUE(fs::is_directory(P("merged/a/b/c")));
    WriteFile(P("merged/a/f"), "changed");
  }
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"a", "a/f"}));
  const struct stat up = Stat(P("upper/a"));
  EXPECT_EQ(up.st_mode, S_IFDIR | 02750u);
  EXPECT_EQ(up.st_uid, 1000u);
  EXPECT_EQ(up.st_gid, 2000u);
  EXPECT_EQ(up.st_mtim.tv_sec, 1600000000);
  EXPECT_EQ(Xattr(P("upper/a"), "user.colour"), "red");
}

TEST_F(InitLayerTest, SymlinkedParentsResolveInsideTheLayers) {
  fs::create_directories(P("far/real"));
  fs::create_symlink("/real", P("near/abs"));
  fs::create_symlink("../../real", P("near/rel"));
  auto paths = BuildInitLayer(Lower(), P("init"), {{"/abs/x", true}, {"/rel/y", false}}, {});
  ASSERT_TRUE(paths);
  EXPECT_EQ(paths->made, (std::vector<std::string>{"real/x", "real/y"}));
  EXPECT_EQ(ListTree(P("init")), (std::vector<std::string>{"real", "real/x", "real/y"}));
}

TEST_F(InitLayerTest, ExistingTargetsNeedNothing) {
  fs::create_directories(P("far/tmp/t"));
  WriteFile(P("near/etc/hosts"), "");
  auto paths = BuildInitLayer(Lower(), P("init"), {{"/tmp/t", true}, {"/etc/hosts", false}, {"/tmp", true}}, {});
  ASSERT_TRUE(paths);
  EXPECT_TRUE(paths->made.empty());
  EXPECT_EQ(ListTree(P("init")), std::vector<std::string>{});
}

// A whiteout or an opaque directory nearer hides what lies further down.
TEST_F(InitLayerTest, WhiteoutsAndOpaqueDirectoriesHideTheFartherLayers) {
  fs::create_directories(P("far/gone/sub"));
  ASSERT_EQ(::mknod(P("near/gone").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
  fs::create_directories(P("far/opq/sub"));
  fs::create_directories(P("near/opq"));
  ASSERT_EQ(::lsetxattr(P("near/opq").c_str(), store::OverlayOpaqueXattr(), "y", 1, 0), 0);
  auto paths = BuildInitLayer(Lower(), P("init"), {{"/gone/sub", true}, {"/opq/sub", true}}, {});
  ASSERT_TRUE(paths);
  EXPECT_EQ(paths->made, (std::vector<std::string>{"gone", "gone/sub", "opq/sub"}));
  // The copy of the opaque /opq is no overlay bookkeeping of its own.
  EXPECT_EQ(Xattr(P("init/opq"), store::OverlayOpaqueXattr()), "");
}

TEST_F(InitLayerTest, AMissingWorkdirLeavesTheTargetsToTheRun) {
  EXPECT_FALSE(BuildInitLayer(Lower(), P("init"), {{"/app/cache", true}}, {"/app"}));
}

TEST_F(InitLayerTest, ATargetBelowAFileFails) {
  WriteFile(P("far/file"), "x");
  EXPECT_THROW(BuildInitLayer(Lower(), P("init"), {{"/file/x", true}}, {}), Error);
}

TEST_F(InitLayerTest, AWhiteoutAtAMadePathGoesAfterTheRun) {
  fs::create_directories(P("upper/run"));
  ASSERT_EQ(::mknod(P("upper/run/secrets").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
  WriteFile(P("upper/run/kept"), "");
  RemoveInitWhiteouts(P("upper"), InitLayerPaths{{"run", "run/secrets"}, {}});
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"run", "run/kept"}));
}

}  // namespace
}  // namespace ubuild::builder
