// BuildKit's COPY --parents and --exclude through ExecuteCopy and
// SourceHash: which files land where, and that excluded files are out of
// the hash too.
#include <gtest/gtest.h>

#include "builder/copy/copy_excludes.h"
#include "builder/copy/copy_step.h"
#include "builder/copy/source_hash.h"
#include "copy_test_tree.h"
#include "store/base/error.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {

using testing::TempDir;
using testing::WriteFile;

class CopyFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("copies are chowned to 0:0");
    ctx_ = dir_.path() / "ctx";
    root_ = dir_.path() / "rootfs";
    WriteFile(ctx_ / "x/a.txt", "xa");
    WriteFile(ctx_ / "x/y/a.txt", "xya");
    WriteFile(ctx_ / "x/y/b.md", "xyb");
    WriteFile(ctx_ / "y/a.txt", "ya");
    WriteFile(ctx_ / "docs/a.md", "d1");
    WriteFile(ctx_ / "docs/sub/c.md", "d3");
    WriteFile(ctx_ / "home.txt", "h1");
    WriteFile(ctx_ / "homer.sh", "h2");
    std::filesystem::create_directories(root_);
  }
  CopySpec Spec(std::vector<std::string> sources, std::string dest) {
    CopySpec spec;
    spec.sources = std::move(sources);
    spec.dest = std::move(dest);
    spec.source_root = ctx_;
    return spec;
  }
  bool Exists(const std::string& rel) { return std::filesystem::exists(root_ / rel); }

  TempDir dir_;
  std::filesystem::path ctx_, root_;
};

TEST_F(CopyFlagsTest, ParentsKeepThePathFromThePivotOn) {
  CopySpec spec = Spec({"x/a.txt", "./y/a.txt", "x/./y/*.txt", "x/y"}, "/p/");
  spec.parents = true;
  ExecuteCopy(spec, root_);
  EXPECT_TRUE(Exists("p/x/a.txt"));
  EXPECT_TRUE(Exists("p/y/a.txt"));   // from y/a.txt and from the pivot x/./y/*.txt
  EXPECT_TRUE(Exists("p/x/y/b.md"));  // the directory x/y, kept whole
  EXPECT_FALSE(Exists("p/a.txt"));
}

TEST_F(CopyFlagsTest, ExcludeIsJudgedRelativeToEachSource) {
  CopySpec spec = Spec({"docs", "hom*"}, "/e/");
  spec.excludes = {"*.md", "*.txt"};
  ExecuteCopy(spec, root_);
  EXPECT_FALSE(Exists("e/a.md"));     // docs/a.md: *.md below docs
  EXPECT_TRUE(Exists("e/sub/c.md"));  // a pattern without ** stays at its depth
  EXPECT_FALSE(Exists("e/home.txt")); // a file source by its name
  EXPECT_TRUE(Exists("e/homer.sh"));
}

TEST_F(CopyFlagsTest, ExcludedFilesAreOutOfTheHash) {
  CopySpec plain = Spec({"docs"}, "/e/");
  CopySpec excluding = plain;
  excluding.excludes = {"**/*.md"};
  const std::string before = SourceHash(excluding, nullptr);
  EXPECT_NE(before, SourceHash(plain, nullptr));
  WriteFile(ctx_ / "docs/sub/c.md", "changed");
  EXPECT_EQ(SourceHash(excluding, nullptr), before);
}

TEST_F(CopyFlagsTest, EverySourceExcludedIsNoSource) {
  CopySpec spec = Spec({"home.txt"}, "/e/");
  spec.excludes = {"*.txt"};
  EXPECT_THROW(ExecuteCopy(spec, root_), Error);
}

TEST(CopyExcludes, MalformedPatternIsRefused) {
  EXPECT_THROW(CheckExcludePatterns({"["}), Error);
  EXPECT_THROW(CheckExcludePatterns({"!"}), Error);
  EXPECT_NO_THROW(CheckExcludePatterns({"**/*.md", "!keep.md"}));
}

}  // namespace
}  // namespace ubuild::builder
