// Writers side by side (Store::Mode::kConcurrent): which lock each scope
// holds, sessions told live from dead, the sweep sparing what live writers
// hold, two registrations of one chain_id, and pins keeping rmi and prune
// off what a running build uses.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/image_removal.h"
#include "store/image_usage.h"
#include "store/layout.h"
#include "store/store.h"
#include "store/store_session.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

class ConcurrentStoreTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  fs::path root_ = dir_.path() / "root";

  // Another open file description, as another process would have.
  bool CanLock(const fs::path& file, int op) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0) << file;
    bool ok = ::flock(fd, op | LOCK_NB) == 0;
    ::close(fd);
    return ok;
  }

  static PendingLayer PendingWith(Store& store, const std::string& content) {
    Store::Scope adding = store.Adding();
    PendingLayer p = store.layers().CreatePending();
    std::ofstream(p.diff_dir / "file", std::ios::binary) << content;
    return p;
  }

  // The session dir a child process left when it exited without ending it.
  fs::path DeadSession() {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto s = Store::Open(root_, Store::Mode::kConcurrent);
      ::_exit(0);  // no destructor: as if killed
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (const auto& e : fs::directory_iterator(layout::SessionsDir(root_))) {
      if (!SessionIsLive(e.path())) return e.path();
    }
    ADD_FAILURE() << "the child left no session";
    return {};
  }
};

TEST_F(ConcurrentStoreTest, HoldsTheLockOnlyInsideItsScopes) {
  auto s = Store::Open(root_, Store::Mode::kConcurrent);
  const fs::path lock = layout::LockFile(root_);
  EXPECT_TRUE(CanLock(lock, LOCK_EX)) << "no lock between scopes";
  {
    Store::Scope adding = s.Adding();
    EXPECT_TRUE(CanLock(lock, LOCK_SH)) << "readers and other adders go on";
    EXPECT_FALSE(CanLock(lock, LOCK_EX)) << "rmi, prune and the sweep wait";
    {
      Store::Scope nested = s.Adding();
    }
    EXPECT_FALSE(CanLock(lock, LOCK_EX)) << "a nested scope keeps the outer one's lock";
  }
  EXPECT_TRUE(CanLock(lock, LOCK_EX));
  {
    Store::Scope tagging = s.Tagging();
    EXPECT_TRUE(CanLock(lock, LOCK_SH));
    EXPECT_FALSE(CanLock(layout::RefsLockFile(root_), LOCK_SH)) << "tags serialize among builds";
  }
  EXPECT_TRUE(CanLock(layout::RefsLockFile(root_), LOCK_EX));
  EXPECT_TRUE(CanLock(lock, LOCK_EX));
}

TEST_F(ConcurrentStoreTest, SessionsAreToldLiveFromDead) {
  auto live = Store::Open(root_, Store::Mode::kConcurrent);
  EXPECT_FALSE(AnyDeadSession(root_));
  fs::path dead = DeadSession();
  EXPECT_TRUE(AnyDeadSession(root_));
  {
    auto w = Store::Open(root_, Store::Mode::kWrite);  // sweeps
  }
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(AnyDeadSession(root_));
  EXPECT_EQ(std::distance(fs::directory_iterator(layout::SessionsDir(root_)), fs::directory_iterator()), 1)
      << "the live session stays";
}

TEST_F(ConcurrentStoreTest, SweepByAnotherWriterSparesALiveBuildsPendingLayer) {
  auto build = Store::Open(root_, Store::Mode::kConcurrent);
  PendingLayer mine = PendingWith(build, "in progress");
  fs::create_directories(layout::LayerStaging(root_, mine.cache_id));
  // A dead build's pending dir, made the way CreatePending makes one.
  std::string orphan(64, 'a');
  fs::create_directories(layout::CacheDiff(root_, orphan));
  fs::path dead = DeadSession();
  WriteFileDurable(dead / "pins", "sha256:" + std::string(64, 'b') + "\n");

  { auto other = Store::Open(root_, Store::Mode::kConcurrent); }
  EXPECT_FALSE(fs::exists(layout::CacheDir(root_, orphan)));
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(mine.diff_dir / "file"));
  EXPECT_TRUE(fs::exists(layout::LayerStaging(root_, mine.cache_id)));
  fs::remove(layout::LayerStaging(root_, mine.cache_id));  // Commit makes its own
  EXPECT_TRUE(fs::exists(build.layers().Commit(mine, std::nullopt)->diff_dir / "file"));
}

TEST_F(ConcurrentStoreTest, SameLayerFromTwoWritersIsKeptOnce) {
  auto a = Store::Open(root_, Store::Mode::kConcurrent);
  auto b = Store::Open(root_, Store::Mode::kConcurrent);
  PendingLayer pa = PendingWith(a, "same bytes");
  PendingLayer pb = PendingWith(b, "same bytes");
  fs::path b_dir = pb.dir;
  // Both tar their diff before either registers, as two builds do.
  std::optional<PreparedLayer> prep_a = a.layers().Prepare(pa);
  std::optional<PreparedLayer> prep_b = b.layers().Prepare(pb);
  ASSERT_TRUE(prep_a && prep_b);
  Layer la, lb;
  {
    Store::Scope adding = a.Adding();
    la = a.layers().Finish(pa, *prep_a, std::nullopt);
  }
  {
    Store::Scope adding = b.Adding();
    lb = b.layers().Finish(pb, *prep_b, std::nullopt);
  }
  EXPECT_EQ(la.chain_id, lb.chain_id);
  EXPECT_EQ(la.cache_id, lb.cache_id) << "the second registration uses the first one's layer";
  EXPECT_FALSE(fs::exists(b_dir)) << "and drops its own copy";
  EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(root_)));
  size_t links = std::distance(fs::directory_iterator(layout::LinkDir(root_)), fs::directory_iterator());
  EXPECT_EQ(links, 1u);
}

TEST_F(ConcurrentStoreTest, PinsKeepRmiAndPruneOffWhatABuildUses) {
  std::optional<Store> build = Store::Open(root_, Store::Mode::kConcurrent);
  PendingLayer p = PendingWith(*build, "fresh layer");
  std::optional<Layer> layer = build->layers().Commit(p, std::nullopt);
  ASSERT_TRUE(layer);
  Digest image;
  {
    Store::Scope adding = build->Adding();
    build->Pin(layer->chain_id);
    image = build->images().Put(R"({"rootfs":{"type":"layers","diff_ids":[")" + layer->diff_id.str() + R"("]}})");
    build->Pin(image);
  }
  {
    auto w = Store::Open(root_, Store::Mode::kWrite);
    EXPECT_EQ(w.PinnedByOthers(), (std::set<Digest>{layer->chain_id, image}));
    EXPECT_TRUE(w.PinnedByOthers().count(image));
    EXPECT_FALSE(ImageIsUnreferenced(w, image));
    try {
      DeleteImageAndBareParents(w, image);
      ADD_FAILURE() << "deleted a pinned image";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("being used by a running build"), std::string::npos) << e.what();
    }
    w.images().Remove(image);  // as if an old ubuild removed it: the pinned layer still stays
    EXPECT_TRUE(RemoveUnusedLayers(w).empty());
  }
  build.reset();  // the build ends: its pins go with its session
  auto w = Store::Open(root_, Store::Mode::kWrite);
  EXPECT_TRUE(w.PinnedByOthers().empty());
  EXPECT_EQ(RemoveUnusedLayers(w).size(), 1u);
}

}  // namespace
}  // namespace ubuild::store
