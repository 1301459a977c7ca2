#include "builder/rootfs/fuse_overlayfs.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>

#include "store/overlay_xattrs.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::TempDir;

// What fuse-overlayfs leaves in the upperdir for a directory it creates.
void MarkLikeFuse(const fs::path& dir) {
  fs::create_directories(dir);
  ASSERT_EQ(::setxattr(dir.c_str(), "user.fuseoverlayfs.opaque", "y", 1, 0), 0);
  std::ofstream(dir / ".wh..wh..opq").close();
  ASSERT_EQ(::mknod((dir / ".wh..opq").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
}

void Whiteout(const fs::path& p) { ASSERT_EQ(::mknod(p.c_str(), S_IFCHR | 0, makedev(0, 0)), 0); }

bool Opaque(const fs::path& dir) {
  char v[2];
  return ::lgetxattr(dir.c_str(), store::OverlayOpaqueXattr(), v, sizeof v) == 1 && v[0] == 'y';
}

bool HasFuseXattr(const fs::path& dir) {
  char v[2];
  return ::lgetxattr(dir.c_str(), "user.fuseoverlayfs.opaque", v, sizeof v) >= 0;
}

class NormalizeFuseUpperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("whiteout devices and trusted.overlay xattrs");
    for (const char* d : {"upper", "near", "far"}) fs::create_directories(dir_.path() / d);
  }
  fs::path P(const std::string& rel) const { return dir_.path() / rel; }
  void Normalize() { NormalizeFuseUpper(P("upper"), {P("near"), P("far")}); }
  TempDir dir_;
};

TEST_F(NormalizeFuseUpperTest, NewDirectoryLosesEveryMarkerAndKeepsItsTimes) {
  MarkLikeFuse(P("upper/new"));
  const struct timespec times[2] = {{1600000000, 0}, {1600000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, P("upper/new").c_str(), times, 0), 0);
  Normalize();
  EXPECT_FALSE(fs::exists(fs::symlink_status(P("upper/new/.wh..wh..opq"))));
  EXPECT_FALSE(fs::exists(fs::symlink_status(P("upper/new/.wh..opq"))));
  EXPECT_FALSE(HasFuseXattr(P("upper/new")));
  EXPECT_FALSE(Opaque(P("upper/new")));
  struct stat st;
  ASSERT_EQ(::stat(P("upper/new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1600000000);
}

TEST_F(NormalizeFuseUpperTest, DirectoryOverALowerPathIsOpaqueTheKernelsWay) {
  fs::create_directories(P("far/etc/old"));
  MarkLikeFuse(P("upper/etc"));
  Normalize();
  EXPECT_TRUE(Opaque(P("upper/etc")));
  EXPECT_FALSE(HasFuseXattr(P("upper/etc")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(P("upper/etc/.wh..wh..opq"))));
}

TEST_F(NormalizeFuseUpperTest, LookupStopsAtAnOpaqueDirectoryBelow) {
  // far has a/b, but near's a is opaque without b: a/b is new, as the
  // kernel would see it.
  fs::create_directories(P("far/a/b"));
  fs::create_directories(P("near/a"));
  ASSERT_EQ(::setxattr(P("near/a").c_str(), store::OverlayOpaqueXattr(), "y", 1, 0), 0);
  MarkLikeFuse(P("upper/a/b"));
  Normalize();
  EXPECT_FALSE(Opaque(P("upper/a/b")));
}

TEST_F(NormalizeFuseUpperTest, WhiteoutWithNothingBelowGoesOthersStay) {
  std::ofstream(P("far/old")).close();
  Whiteout(P("upper/old"));
  Whiteout(P("upper/never"));
  Normalize();
  EXPECT_TRUE(fs::exists(fs::symlink_status(P("upper/old"))));
  EXPECT_FALSE(fs::exists(fs::symlink_status(P("upper/never"))));
}

}  // namespace
}  // namespace ubuild::builder
