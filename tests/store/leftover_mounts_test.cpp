#include "store/leftover_mounts.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/layout.h"
#include "store/pending_lock.h"
#include "store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

TEST(MountPointsOf, ReadsTheFifthFieldAndDecodesEscapes) {
  const std::string info =
      "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "35 22 0:30 / /tmp/a\\040b\\134c rw - tmpfs tmpfs rw\n"
      "36 22 0:31 / /x\\011y rw - overlay overlay rw,lowerdir=/l\n";
  EXPECT_EQ(MountPointsOf(info), (std::vector<std::string>{"/", "/tmp/a b\\c", "/x\ty"}));
}

TEST(MountPointsOf, KeepsABackslashThatIsNoEscape) {
  EXPECT_EQ(MountPointsOf("1 0 0:1 / /a\\9 rw - t s rw"), (std::vector<std::string>{"/a\\9"}));
}

bool Mounted(const fs::path& p) {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream ss;
  ss << in.rdbuf();
  for (const auto& point : MountPointsOf(ss.str())) {
    if (point == fs::weakly_canonical(p).string()) return true;
  }
  return false;
}

// A tmpfs stands in for a killed builder's overlay: the sweep detaches what
// lies inside overlay2/<cache-id>/ and no pending lock covers, nothing else.
class LeftoverMountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  }
  void TearDown() override {
    for (const auto& p : mounted_) ::umount2(p.c_str(), MNT_DETACH);
  }
  fs::path MountTmpfs(const fs::path& p) {
    fs::create_directories(p);
    if (::mount("tmpfs", p.c_str(), "tmpfs", 0, nullptr) != 0) ADD_FAILURE() << "mount " << p;
    mounted_.push_back(p);
    return p;
  }
  testing::TestDir dir_;
  std::vector<fs::path> mounted_;
};

TEST_F(LeftoverMountsTest, DetachesMountsInsideCacheDirsOnly) {
  const fs::path root = dir_.path();
  const std::string id(64, 'a');
  const fs::path merged = MountTmpfs(layout::CacheMerged(root, id));
  const fs::path stacked = MountTmpfs(merged / "proc");
  const fs::path overlay2 = MountTmpfs(layout::Overlay2Dir(root) / "other");
  DetachLeftoverMounts(root);
  EXPECT_FALSE(Mounted(merged));
  EXPECT_FALSE(Mounted(stacked));
  EXPECT_TRUE(Mounted(overlay2));  // not a cache dir: not ubuild's
}

TEST_F(LeftoverMountsTest, SparesTheMountOfAPendingLayerInUse) {
  const fs::path root = dir_.path();
  const std::string id(64, 'b');
  const fs::path merged = MountTmpfs(layout::CacheMerged(root, id));
  LockPendingDir(id, layout::CacheDir(root, id));
  // flock conflicts between open files, so this process's own check sees it.
  DetachLeftoverMounts(root);
  EXPECT_TRUE(Mounted(merged));
  UnlockPendingDir(id);
  DetachLeftoverMounts(root);
  EXPECT_FALSE(Mounted(merged));
}

}  // namespace
}  // namespace ubuild::store
