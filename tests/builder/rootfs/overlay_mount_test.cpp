#include "builder/rootfs/overlay_mount.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::ListTree;
using ubuild::testing::ReadFile;
using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

bool IsMountPoint(const fs::path& p) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  const std::string needle = " " + p.string() + " ";
  while (std::getline(in, line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

class OverlayMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("overlay mounts");
    for (const char* d : {"upper", "work", "merged"}) fs::create_directories(dir_.path() / d);
  }
  fs::path P(const char* rel) const { return dir_.path() / rel; }
  TempDir dir_;
};

TEST_F(OverlayMountTest, NearestLowerWinsAndWritesLandInUpper) {
  WriteFile(P("near/f"), "near");
  WriteFile(P("far/f"), "far");
  WriteFile(P("far/only-far"), "x");
  {
    OverlayMount m({P("near"), P("far")}, P("upper"), P("work"), P("merged"));
    EXPECT_TRUE(IsMountPoint(P("merged")));
    EXPECT_EQ(ReadFile(P("merged/f")), "near");
    EXPECT_EQ(ReadFile(P("merged/only-far")), "x");
    WriteFile(P("merged/new"), "new");
    EXPECT_EQ(OverlayMount::UpperDirOf(P("merged")), P("upper"));
  }
  EXPECT_FALSE(IsMountPoint(P("merged")));
  EXPECT_TRUE(OverlayMount::UpperDirOf(P("merged")).empty());
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{"new"});
  EXPECT_EQ(ReadFile(P("upper/new")), "new");
}

TEST_F(OverlayMountTest, DeletionIsAWhiteoutDevice) {
  WriteFile(P("lower/dir/gone"), "x");
  OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
  ASSERT_EQ(::unlink(P("merged/dir/gone").c_str()), 0);
  m.Unmount();
  struct stat st {};
  ASSERT_EQ(::lstat(P("upper/dir/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
}

// redirect_dir=off: renaming a lower directory is refused (EXDEV) instead of
// being recorded as a redirect xattr that a layer tar could not express.
TEST_F(OverlayMountTest, RenamingALowerDirectoryIsRefused) {
  WriteFile(P("lower/d/f"), "x");
  OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
  EXPECT_NE(std::rename(P("merged/d").c_str(), P("merged/e").c_str()), 0);
  EXPECT_EQ(errno, EXDEV);
}

TEST_F(OverlayMountTest, ScratchHasAnEmptyLowerThatIsRemovedAfterwards) {
  auto scratch_dirs = [this] {  // made beside merged
    int n = 0;
    for (const auto& e : fs::directory_iterator(P("."))) {
      n += e.path().filename().string().rfind("scratch-", 0) == 0;
    }
    return n;
  };
  const int before = scratch_dirs();
  OverlayMount m({}, P("upper"), P("work"), P("merged"));
  EXPECT_TRUE(fs::is_empty(P("merged")));
  EXPECT_EQ(scratch_dirs(), before + 1);
  WriteFile(P("merged/a"), "a");
  m.Unmount();
  m.Unmount();  // idempotent
  EXPECT_EQ(scratch_dirs(), before);
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{"a"});
}

// 200 layers of overlay2/l/<26 chars> do not fit one page as absolute paths;
// relative to the common parent they do (Docker's short-link trick).
TEST_F(OverlayMountTest, ManyLayersBeyondOnePage) {
  std::vector<fs::path> lower;
  for (int i = 0; i < 200; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "L%025d", i);
    lower.push_back(P("store/l") / name);
    WriteFile(lower.back() / ("f" + std::to_string(i)), std::to_string(i));
  }
  WriteFile(lower.back() / "f0", "shadowed");
  size_t absolute = 0;
  for (const auto& l : lower) absolute += l.string().size() + 1;
  ASSERT_GT(absolute, 4096u);
  OverlayMount m(lower, P("upper"), P("work"), P("merged"));
  EXPECT_EQ(ReadFile(P("merged/f0")), "0");
  EXPECT_EQ(ReadFile(P("merged/f199")), "199");
}

// Even relative, 120 layers with 60-char names exceed a page: the new mount
// API's per-layer "lowerdir+" takes over.
TEST_F(OverlayMountTest, LayerListTooLongEvenRelative) {
  std::vector<fs::path> lower;
  for (int i = 0; i < 120; ++i) {
    char name[80];
    std::snprintf(name, sizeof name, "layer-%054d", i);
    lower.push_back(P("s") / name);
    WriteFile(lower.back() / ("f" + std::to_string(i)), std::to_string(i));
  }
  OverlayMount m(lower, P("upper"), P("work"), P("merged"));
  EXPECT_EQ(ReadFile(P("merged/f119")), "119");
  EXPECT_EQ(ReadFile(P("merged/f0")), "0");
}

TEST_F(OverlayMountTest, MissingLowerIsAClearError) {
  try {
    OverlayMount m({P("does-not-exist")}, P("upper"), P("work"), P("merged"));
    FAIL() << "mounted a missing lower dir";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("mount overlay"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find(P("merged").string()), std::string::npos) << e.message();
  }
  EXPECT_FALSE(IsMountPoint(P("merged")));
}

TEST_F(OverlayMountTest, SeparatorInPathIsRejected) {
  fs::create_directories(P("a:b"));
  EXPECT_THROW(OverlayMount({P("a:b")}, P("upper"), P("work"), P("merged")), Error);
}

}  // namespace
}  // namespace ubuild::builder
