#include "store/cache_mount_use.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>

#include <filesystem>
#include <fstream>

#include "store/layout.h"
#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// A held instance stays with its base dir; a free one, a free lock file and
// a killed RUN's half-made copy go; the bytes freed are those of the files.
TEST(CacheMountUse, PruneKeepsWhatARunHoldsAndRemovesTheRest) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  const fs::path mounts = layout::RunCacheMountDir(s.root());
  const fs::path held_base = mounts / "aa";
  const fs::path free_base = mounts / "bb";
  Write(held_base / "0" / "kept", "12345");
  Write(held_base / "1" / "sub" / "gone", "123");
  Write(held_base / "1.lock", "");
  Write(held_base / ".tmp-99-2" / "half", "1");
  Write(free_base / "0" / "gone", "1234567");
  Write(free_base / "0.lock", "");
  {
    const Fd hold = HoldCacheMount(held_base / "0");
    const CacheMountsPruned pruned = RemoveUnusedCacheMounts(s.root());
    EXPECT_EQ(pruned.in_use, 1u);
    EXPECT_EQ(pruned.freed, 3u + 1u + 7u);
    EXPECT_TRUE(fs::exists(held_base / "0" / "kept"));
    EXPECT_FALSE(fs::exists(held_base / "1"));
    EXPECT_FALSE(fs::exists(held_base / "1.lock"));
    EXPECT_FALSE(fs::exists(held_base / ".tmp-99-2"));
    EXPECT_FALSE(fs::exists(free_base));
  }
  const CacheMountsPruned pruned = RemoveUnusedCacheMounts(s.root());
  EXPECT_EQ(pruned.in_use, 0u);
  EXPECT_EQ(pruned.freed, 5u);
  EXPECT_TRUE(fs::is_empty(mounts));
}

// A locked or private mount's RUN holds `<n>.lock` before its hold on the
// directory: the lock file, and so the base dir, stay.
TEST(CacheMountUse, AHeldLockFileKeepsItsBaseDir) {
  testing::TestDir dir;
  Store s = Store::Open(dir.path(), Store::Mode::kWrite);
  const fs::path base = layout::RunCacheMountDir(s.root()) / "cc";
  Write(base / "0.lock", "");
  const Fd lock(::open((base / "0.lock").c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_EQ(::flock(lock.get(), LOCK_EX), 0);
  EXPECT_EQ(RemoveUnusedCacheMounts(s.root()).in_use, 0u);
  EXPECT_TRUE(fs::exists(base / "0.lock"));
}

// Shared holds do not exclude each other: RUNs of sharing=shared run side by side.
TEST(CacheMountUse, HoldsAreShared) {
  testing::TestDir dir;
  fs::create_directories(dir.path() / "0");
  const Fd a = HoldCacheMount(dir.path() / "0");
  const Fd b = HoldCacheMount(dir.path() / "0");
  EXPECT_TRUE(a.valid());
  EXPECT_TRUE(b.valid());
}

}  // namespace
}  // namespace ubuild::store
