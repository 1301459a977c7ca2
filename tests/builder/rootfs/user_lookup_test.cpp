#include "builder/rootfs/user_lookup.h"

#include <gtest/gtest.h>

#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

class UserLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(root() / "etc/passwd",
              "root:x:0:0:root:/root:/bin/sh\n"
              "  \n"
              "app:x:1000:1001:app user:/home/app:/bin/sh\n"
              "app:x:1234:1234:shadowed duplicate:/nowhere:/bin/sh\n"
              "short:x:1500\n");
    WriteFile(root() / "etc/group",
              "root:x:0:\n"
              "appgrp:x:1001:\n"
              "extra:x:2000:nobody,app\n"
              "more:x:2001:app\n"
              "wheel:x:10:root\n");
  }
  fs::path root() const { return dir_.path() / "rootfs"; }
  std::string ErrorOf(const std::string& spec, bool chown = false) {
    try {
      chown ? ResolveChown(root(), spec) : ResolveUser(root(), spec);
    } catch (const Error& e) {
      return e.message();
    }
    return "no error";
  }
  TempDir dir_;
};

TEST_F(UserLookupTest, NameGivesPasswdIdsHomeAndMemberGroups) {
  const auto u = ResolveUser(root(), "app");
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 1001u);
  EXPECT_EQ(u.home, "/home/app");
  EXPECT_EQ(u.supplementary_gids, (std::vector<unsigned>{2000, 2001}));
}

TEST_F(UserLookupTest, EmptySpecIsRootWithItsGroups) {
  const auto u = ResolveUser(root(), "");
  EXPECT_EQ(u.uid, 0u);
  EXPECT_EQ(u.gid, 0u);
  EXPECT_EQ(u.home, "/root");
  EXPECT_EQ(u.supplementary_gids, std::vector<unsigned>{10});
}

TEST_F(UserLookupTest, NumericUserFoundOrTakenAsIs) {
  EXPECT_EQ(ResolveUser(root(), "1000").gid, 1001u);
  const auto u = ResolveUser(root(), "4242");
  EXPECT_EQ(u.uid, 4242u);
  EXPECT_EQ(u.gid, 0u);
  EXPECT_EQ(u.home, "/");
  EXPECT_TRUE(u.supplementary_gids.empty());
}

TEST_F(UserLookupTest, ExplicitGroupByNameOrNumberDropsSupplementaryGroups) {
  auto u = ResolveUser(root(), "app:extra");
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 2000u);
  EXPECT_TRUE(u.supplementary_gids.empty());
  u = ResolveUser(root(), "4242:777");
  EXPECT_EQ(u.uid, 4242u);
  EXPECT_EQ(u.gid, 777u);
}

TEST_F(UserLookupTest, UnknownNamesAreErrorsLikeRunc) {
  EXPECT_EQ(ErrorOf("ghost"), "unable to find user ghost: no matching entries in passwd file");
  EXPECT_EQ(ErrorOf("app:ghosts"), "unable to find group ghosts: no matching entries in group file");
  EXPECT_EQ(ErrorOf("99999999999"), "uids and gids must be in range 0-2147483647");
}

TEST_F(UserLookupTest, MissingPasswdAllowsOnlyNumbers) {
  fs::remove(root() / "etc/passwd");
  fs::remove(root() / "etc/group");
  EXPECT_EQ(ResolveUser(root(), "7:8").gid, 8u);
  EXPECT_EQ(ErrorOf("app"), "unable to find user app: no matching entries in passwd file");
}

// An image whose /etc/passwd is an absolute symlink must be read inside the
// rootfs, never from the host's /etc.
TEST_F(UserLookupTest, SymlinksResolveInsideTheRootfs) {
  fs::remove(root() / "etc/passwd");
  WriteFile(root() / "alt/passwd", "inside:x:321:321::/in:/bin/sh\n");
  fs::create_symlink("/alt/passwd", root() / "etc/passwd");
  EXPECT_EQ(ResolveUser(root(), "inside").uid, 321u);
  fs::remove(root() / "etc/passwd");
  fs::create_symlink("../../../../../../../../etc/passwd", root() / "etc/passwd");
  // Resolves to ROOT/etc/passwd itself: a loop inside the root, never the host's file.
  EXPECT_EQ(ErrorOf("root").rfind("open ", 0), 0u) << ErrorOf("root");
}

TEST_F(UserLookupTest, ChownUsesTheUserNameAsGroupWhenAlone) {
  WriteFile(root() / "etc/group", "app:x:1500:\n");
  const auto u = ResolveChown(root(), "app");
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 1500u);
  const auto n = ResolveChown(root(), "12:34");
  EXPECT_EQ(n.uid, 12u);
  EXPECT_EQ(n.gid, 34u);
  EXPECT_EQ(ResolveChown(root(), "55").gid, 55u);
}

TEST_F(UserLookupTest, ChownErrorsMatchDocker) {
  EXPECT_EQ(ErrorOf("bob", true), "can't find uid for user bob: no such user: bob");
  EXPECT_EQ(ErrorOf("root:bob", true), "can't find gid for group bob: no such group: bob");
  EXPECT_EQ(ErrorOf("bob:1:555", true), "invalid chown string format: bob:1:555");
  // "app" is a user but not a group: Docker fails the same way.
  EXPECT_EQ(ErrorOf("app", true), "can't find gid for group app: no such group: app");
}

}  // namespace
}  // namespace ubuild::builder
