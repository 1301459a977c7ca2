// ExecuteCopy on a real overlay mount, where directories the copy creates are
// filled through the upperdir: the merged view, the upperdir (the layer) and
// directory metadata must come out as if every write had gone through the mount.
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "builder/copy/copy_step.h"
#include "builder/rootfs/overlay_mount.h"
#include "copy_test_tree.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;
using testing::Lstat;
using testing::MakeDir;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

void SetMtime(const fs::path& p, time_t t) {
  struct timespec times[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << p;
}

class CopyIntoUpperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("overlay mounts");
    for (const char* d : {"lower", "upper", "work", "merged", "ctx"}) fs::create_directories(P(d));
    MakeDir(P("lower/etc"));
    WriteFile(P("lower/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    WriteFile(P("lower/etc/group"), "root:x:0:\n");
    WriteFile(P("lower/opt/x"), "a file in the base");  // becomes a directory below
  }
  fs::path P(const std::string& rel) const { return dir_.path() / rel; }

  CopySpec Spec(std::vector<std::string> sources, std::string dest) {
    CopySpec spec;
    spec.sources = std::move(sources);
    spec.dest = std::move(dest);
    spec.source_root = P("ctx");
    return spec;
  }

  TempDir dir_;
};

TEST_F(CopyIntoUpperTest, ANewTreeLandsInTheLayerWithItsMetadata) {
  for (int d = 0; d < 5; ++d) {
    for (int f = 0; f < 40; ++f) {
      WriteFile(P("ctx/tree/d" + std::to_string(d) + "/f" + std::to_string(f)), "file " + std::to_string(f), 0640);
    }
    SetMtime(P("ctx/tree/d" + std::to_string(d)), 1500000000 + d);
  }
  {
    OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
    ExecuteCopy(Spec({"tree"}, "/app/"), P("merged"), P("upper"));
    // The mount sees what was written beneath it.
    EXPECT_EQ(ReadFile(P("merged/app/d3/f17")), "file 17");
  }
  for (int d = 0; d < 5; ++d) {
    const fs::path dir = P("upper/app/d" + std::to_string(d));
    // Directory mtimes are set after the last file in them was made.
    EXPECT_EQ(Lstat(dir).st_mtime, 1500000000 + d) << dir;
    for (int f = 0; f < 40; ++f) {
      const fs::path file = dir / ("f" + std::to_string(f));
      EXPECT_EQ(ReadFile(file), "file " + std::to_string(f));
      EXPECT_EQ(Lstat(file).st_mode & 07777, 0640u);
    }
  }
}

TEST_F(CopyIntoUpperTest, HardLinksSpanningAnOldAndANewDirectoryStayLinked) {
  WriteFile(P("ctx/tree/a"), "linked");
  fs::create_directories(P("ctx/tree/sub"));
  ASSERT_EQ(link(P("ctx/tree/a").c_str(), P("ctx/tree/sub/b").c_str()), 0);
  {
    OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
    // /etc exists in the base: "a" goes through the mount, "sub" is new.
    ExecuteCopy(Spec({"tree"}, "/etc/"), P("merged"), P("upper"));
  }
  EXPECT_EQ(Lstat(P("upper/etc/a")).st_ino, Lstat(P("upper/etc/sub/b")).st_ino);
  EXPECT_EQ(Lstat(P("upper/etc/a")).st_nlink, 2u);
  EXPECT_EQ(ReadFile(P("upper/etc/sub/b")), "linked");
}

TEST_F(CopyIntoUpperTest, ADirectoryReplacingABaseFileHidesIt) {
  WriteFile(P("ctx/tree/x/inner"), "inside");
  {
    OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
    ExecuteCopy(Spec({"tree"}, "/opt/"), P("merged"), P("upper"));
    EXPECT_TRUE(S_ISDIR(Lstat(P("merged/opt/x")).st_mode));
    EXPECT_EQ(ReadFile(P("merged/opt/x/inner")), "inside");
  }
  EXPECT_TRUE(S_ISDIR(Lstat(P("upper/opt/x")).st_mode));
  EXPECT_EQ(ReadFile(P("upper/opt/x/inner")), "inside");
}

TEST_F(CopyIntoUpperTest, ASecondSourceOverwritesWhatTheFirstWroteBeneathTheMount) {
  WriteFile(P("ctx/one/sub/f"), "first");
  WriteFile(P("ctx/one/sub/only-one"), "1");
  WriteFile(P("ctx/two/sub/f"), "second");
  {
    OverlayMount m({P("lower")}, P("upper"), P("work"), P("merged"));
    ExecuteCopy(Spec({"one", "two"}, "/dst/"), P("merged"), P("upper"));
    EXPECT_EQ(ReadFile(P("merged/dst/sub/f")), "second");
  }
  EXPECT_EQ(ReadFile(P("upper/dst/sub/f")), "second");
  EXPECT_EQ(ReadFile(P("upper/dst/sub/only-one")), "1");
}

}  // namespace
}  // namespace ubuild::builder
