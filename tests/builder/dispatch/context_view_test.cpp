// A context bind's view: whiteouts where .dockerignore hides a path, the
// directories above them with the context's attributes, and, mounted, the
// listing Docker 20.10's BuildKit shows for the same context
// (tests/e2e/test_run_mounts.sh compares with BuildKit itself).
#include "builder/dispatch/context_view.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "builder/rootfs/overlay_mount.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;

class ContextViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ubuild-view-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    ctx_ = dir_ / "ctx";
    for (const char* f : {"keep.txt", "Dockerfile", "secret/s", "logs/x.log", "logs/keep/k.log", "src/a.txt",
                          "src/sub/b.log", "gone/other", "deep/a/b/c/d.txt"}) {
      fs::create_directories((ctx_ / f).parent_path());
      std::ofstream(ctx_ / f) << f;
    }
    ::chmod((ctx_ / "logs").c_str(), 0750);
    ::chown((ctx_ / "logs").c_str(), 12, 34);
    fs::create_directories(upper());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path upper() const { return dir_ / "upper"; }
  bool IsWhiteout(const std::string& rel) const {
    struct stat st {};
    return ::lstat((upper() / rel).c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
  }
  std::vector<std::string> UpperEntries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(upper())) out.push_back(e.path().lexically_relative(upper()));
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  fs::path ctx_;
  const DockerIgnore ignore_{{"secret", "**/*.log", "!logs/keep", "Dockerfile", "gone", "!gone/keep"}};
};

TEST_F(ContextViewTest, HidesWhatTheContextLeavesOut) {
  // gone/ is re-entered for an exception that keeps nothing: as in
  // BuildKit, it stays, empty.
  EXPECT_EQ(IgnoredUnder(ctx_, "", ignore_),
            (std::vector<std::string>{"Dockerfile", "gone/other", "logs/x.log", "secret", "src/sub/b.log"}));
  EXPECT_EQ(IgnoredUnder(ctx_, "src", ignore_), (std::vector<std::string>{"sub/b.log"}));
  EXPECT_EQ(IgnoredUnder(ctx_, "logs", ignore_), (std::vector<std::string>{"x.log"}));
  EXPECT_TRUE(IgnoredUnder(ctx_, "", DockerIgnore()).empty());
  // Deeper than every pattern reaches, nothing is read and nothing hidden.
  EXPECT_TRUE(IgnoredUnder(ctx_, "deep", DockerIgnore({"d.txt", "deep/a/x"})).empty());
  EXPECT_TRUE(IgnoredUnder(ctx_, "deep/a/b", DockerIgnore({"d.txt", "deep/a/x"})).empty());
  EXPECT_EQ(IgnoredUnder(ctx_, "deep", DockerIgnore({"deep/a/b"})), (std::vector<std::string>{"a/b"}));
}

TEST_F(ContextViewTest, WhiteoutsUnderDirectoriesWithTheContextsAttributes) {
  MakeWhiteouts(ctx_, IgnoredUnder(ctx_, "", ignore_), upper());
  EXPECT_EQ(UpperEntries(), (std::vector<std::string>{"Dockerfile", "gone", "gone/other", "logs", "logs/x.log",
                                                      "secret", "src", "src/sub", "src/sub/b.log"}));
  for (const char* hidden : {"Dockerfile", "secret", "logs/x.log", "src/sub/b.log", "gone/other"}) {
    EXPECT_TRUE(IsWhiteout(hidden)) << hidden;
  }
  struct stat st {};
  ASSERT_EQ(::lstat((upper() / "logs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_uid, 12u);
  EXPECT_EQ(st.st_gid, 34u);
  struct stat ctx_st {};
  ASSERT_EQ(::lstat((ctx_ / "logs").c_str(), &ctx_st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, ctx_st.st_mtim.tv_sec);
  EXPECT_EQ(st.st_mtim.tv_nsec, ctx_st.st_mtim.tv_nsec);
  ASSERT_EQ(::lstat(upper().c_str(), &st), 0);
  ASSERT_EQ(::lstat(ctx_.c_str(), &ctx_st), 0);
  EXPECT_EQ(st.st_mode & 07777, ctx_st.st_mode & 07777);  // the view's root: the source's own
  EXPECT_EQ(st.st_mtim.tv_nsec, ctx_st.st_mtim.tv_nsec);
}

TEST_F(ContextViewTest, MountedTheViewListsWhatBuildKitReceives) {
  MakeWhiteouts(ctx_, IgnoredUnder(ctx_, "", ignore_), upper());
  fs::create_directories(dir_ / "work");
  fs::create_directories(dir_ / "merged");
  std::vector<std::string> seen;
  {
    OverlayMount view({ctx_}, upper(), dir_ / "work", dir_ / "merged");
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "merged")) {
      seen.push_back(e.path().lexically_relative(dir_ / "merged"));
    }
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"deep", "deep/a", "deep/a/b", "deep/a/b/c", "deep/a/b/c/d.txt", "gone",
                                            "keep.txt", "logs", "logs/keep", "logs/keep/k.log", "src", "src/a.txt",
                                            "src/sub"}));
}

}  // namespace
}  // namespace ubuild::builder
