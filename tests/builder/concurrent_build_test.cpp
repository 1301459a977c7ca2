// A build on a store opened for builds side by side (Store::Mode::kConcurrent):
// its steps run with ROOT/lock free, so other builds, rmi and readers are not
// held up by them, and what it made stays pinned while it lives.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <sstream>

#include "builder/build.h"
#include "store/layout.h"
#include "store/store.h"
#include "tests/builder/copy/copy_test_tree.h"
#include "tests/builder/fake_step_runtime.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;

// Can another open file description take the lock exclusively right now?
// (A lock file not made yet is free.)
bool LockIsFree(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

TEST(ConcurrentBuildTest, StepsRunOutsideTheStoreLockAndWhatTheyMadeIsPinned) {
  testing::TempDir tmp;
  const fs::path context = tmp.path() / "context", root = tmp.path() / "root";
  testing::WriteFile(context / "f", "one");
  testing::WriteFile(context / "Dockerfile", "FROM scratch\nCOPY --chown=" + std::to_string(geteuid()) + ":" +
                                                 std::to_string(getegid()) + " f /f\nRUN make\n");
  std::optional<store::Store> build = store::Store::Open(root, store::Store::Mode::kConcurrent);
  testing::FakeStepRuntime runtime;
  bool free_during_run = false;
  runtime.on_run = [&](const RunSpec& spec) {
    free_during_run = LockIsFree(store::layout::LockFile(root)) && LockIsFree(store::layout::RefsLockFile(root));
    testing::WriteFile(spec.rootfs / "made", "by make");
    return 0;
  };
  BuildOptions options;
  options.context = context;
  options.tags = {"t"};
  options.progress = Progress::kQuiet;
  std::ostringstream log;
  store::Digest id = Build(options, *build, runtime, log);

  EXPECT_TRUE(free_during_run) << "RUN ran while the build held ROOT/lock";
  EXPECT_TRUE(LockIsFree(store::layout::LockFile(root))) << "the build holds no lock between steps";
  {
    auto rmi = store::Store::Open(root, store::Store::Mode::kWrite);
    std::set<store::Digest> pinned = rmi.PinnedByOthers();
    EXPECT_TRUE(pinned.count(id)) << "the image the build made is pinned while the build lives";
    EXPECT_EQ(rmi.refs().Get("t"), id);
  }
  build.reset();
  auto after = store::Store::Open(root, store::Store::Mode::kWrite);
  EXPECT_TRUE(after.PinnedByOthers().empty()) << "pins end with the build";
}

}  // namespace
}  // namespace ubuild::builder
