// A cache mount's directory: made once with the mount's mode and owner (and
// seeded only then), the same instance for every shared use, another one
// for a private mount while a RUN holds the first.
#include "builder/dispatch/cache_mount_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::TempDir;

RunMountSpec Cache(const std::string& id, CacheSharing sharing) {
  RunMountSpec m;
  m.type = MountType::kCache;
  m.id = id;
  m.target = "/c";
  m.sharing = sharing;
  return m;
}

TEST(CacheMountDir, MadeOnceWithItsModeAndOwnerThenSharedAsIs) {
  UBUILD_SKIP_UNLESS_ROOT("chown to another user");
  TempDir dir;
  store::Store store = store::Store::Open(dir.path() / "root", store::Store::Mode::kWrite);
  RunMountSpec m = Cache("go", CacheSharing::kShared);
  m.mode = 0710;
  m.uid = 12;
  m.gid = 34;
  int seeded = 0;
  const auto seed = [&](const fs::path& tmp) {
    ++seeded;
    fs::create_directory(tmp);
    std::ofstream(tmp / "from") << "seed";
  };
  CacheMountHolds first, second;
  const fs::path a = TakeCacheMountDir(store, m, first, seed);
  const fs::path b = TakeCacheMountDir(store, m, second, seed);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.filename(), "0");
  EXPECT_EQ(seeded, 1);
  EXPECT_TRUE(fs::exists(a / "from"));
  struct stat st {};
  ASSERT_EQ(::stat(a.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0710u);
  EXPECT_EQ(st.st_uid, 12u);
  EXPECT_EQ(st.st_gid, 34u);
  EXPECT_EQ(first.locks.size(), 1u);  // the shared hold prune respects, no instance lock
  EXPECT_TRUE(first.locked.empty());
}

TEST(CacheMountDir, PrivateTakesAnInstanceNoOtherRunHolds) {
  TempDir dir;
  store::Store store = store::Store::Open(dir.path() / "root", store::Store::Mode::kWrite);
  const RunMountSpec m = Cache("npm", CacheSharing::kPrivate);
  std::optional<CacheMountHolds> running(std::in_place);
  const fs::path held = TakeCacheMountDir(store, m, *running, {});
  CacheMountHolds other;
  EXPECT_EQ(held.filename(), "0");
  EXPECT_EQ(TakeCacheMountDir(store, m, other, {}).filename(), "1");
  running.reset();
  CacheMountHolds after;
  EXPECT_EQ(TakeCacheMountDir(store, m, after, {}).filename(), "0");
}

TEST(CacheMountDir, ALockedMountTwiceInOneRunReusesItsInstance) {
  TempDir dir;
  store::Store store = store::Store::Open(dir.path() / "root", store::Store::Mode::kWrite);
  const RunMountSpec m = Cache("apt", CacheSharing::kLocked);
  CacheMountHolds holds;
  const fs::path a = TakeCacheMountDir(store, m, holds, {});
  EXPECT_EQ(TakeCacheMountDir(store, m, holds, {}), a);  // would wait for itself forever otherwise
}

}  // namespace
}  // namespace ubuild::builder
