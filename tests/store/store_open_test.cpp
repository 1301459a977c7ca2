#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/recovery.h"
#include "store/store.h"
#include "tests/needs_root.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

class StoreOpenTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  fs::path root_ = dir_.path() / "root";

  static Layer CommitFile(Store& s, const std::string& name, const std::optional<Digest>& parent) {
    PendingLayer p = s.layers().CreatePending();
    std::ofstream(p.diff_dir / name) << name;
    std::optional<Layer> layer = s.layers().Commit(p, parent);
    if (!layer) throw Error("unexpected empty layer");
    return *layer;
  }

  // A second open file description of the lock: conflicts like another process would.
  bool CanLock(int op) {
    int fd = ::open(layout::LockFile(root_).c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    bool ok = ::flock(fd, op | LOCK_NB) == 0;
    ::close(fd);
    return ok;
  }
};

TEST_F(StoreOpenTest, CreatesTheLayout) {
  auto s = Store::Open(root_, Store::Mode::kWrite);
  for (const char* d : {"image/overlay2/imagedb/content/sha256", "image/overlay2/imagedb/metadata/sha256",
                        "image/overlay2/layerdb/sha256", "image/overlay2/layerdb/tmp", "overlay2/l", "sessions"}) {
    EXPECT_TRUE(fs::is_directory(root_ / d)) << d;
  }
  EXPECT_TRUE(fs::exists(root_ / "lock"));
}

TEST_F(StoreOpenTest, WriterIsExclusiveReadersShare) {
  {
    auto w = Store::Open(root_, Store::Mode::kWrite);
    EXPECT_FALSE(CanLock(LOCK_SH));
    EXPECT_FALSE(fs::is_empty(layout::SessionsDir(root_))) << "a writer has a session";
  }
  EXPECT_TRUE(fs::is_empty(layout::SessionsDir(root_))) << "a clean exit ends the session";
  auto r = Store::Open(root_, Store::Mode::kRead);
  EXPECT_TRUE(CanLock(LOCK_SH));
  EXPECT_FALSE(CanLock(LOCK_EX));
}

TEST_F(StoreOpenTest, SweepRemovesLeftoversOfACrashedWriter) {
  { auto s = Store::Open(root_, Store::Mode::kWrite); }
  std::string orphan(64, 'a'), registered(64, 'b'), kept(64, 'c');
  // A pending dir nobody holds, with a link already made.
  fs::create_directories(layout::CacheDiff(root_, orphan));
  WriteFileDurable(layout::CacheLinkFile(root_, orphan), "ORPHANORPHANORPHANORPHAN12");
  fs::create_symlink(layout::LinkTarget(orphan), layout::LinkPath(root_, "ORPHANORPHANORPHANORPHAN12"));
  // A layer registered just before the crash, without its committed marker.
  fs::create_directories(layout::CacheDiff(root_, registered));
  fs::path db = layout::LayerDbDir(root_) / std::string(64, 'd');
  fs::create_directories(db);
  WriteFileDurable(db / "cache-id", registered);
  // A finished layer.
  fs::create_directories(layout::CacheDiff(root_, kept));
  WriteFileDurable(layout::CacheCommittedFile(root_, kept), "");
  fs::path kept_db = layout::LayerDbDir(root_) / std::string(64, '9');
  fs::create_directories(kept_db);
  WriteFileDurable(kept_db / "cache-id", kept);
  // Staging and temp files.
  fs::create_directories(layout::LayerDbTmp(root_) / std::string(64, 'e'));
  WriteFileDurable(layout::ImageContentDir(root_) / ".tmp-x-1234", "half");
  WriteFileDurable(layout::ImageRoot(root_) / ".tmp-repositories.json-1", "half");
  fs::create_directories(layout::ImageMetadataRoot(root_) / std::string(64, 'f'));  // metadata without content
  WriteFileDurable(layout::DirtyMarker(root_), "");

  { auto s = Store::Open(root_, Store::Mode::kWrite); }
  EXPECT_FALSE(fs::exists(layout::CacheDir(root_, orphan)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(layout::LinkPath(root_, "ORPHANORPHANORPHANORPHAN12"))));
  EXPECT_TRUE(fs::exists(layout::CacheCommittedFile(root_, registered)));
  EXPECT_TRUE(fs::exists(layout::CacheDiff(root_, kept)));
  EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(root_)));
  EXPECT_TRUE(fs::is_empty(layout::ImageContentDir(root_)));
  EXPECT_TRUE(fs::is_empty(layout::ImageMetadataRoot(root_)));
  EXPECT_FALSE(fs::exists(layout::ImageRoot(root_) / ".tmp-repositories.json-1"));
}

// A removal killed after it unregistered its layers (and synced that),
// while it deleted their dirs: what is left, `committed` markers and links
// included, goes with the next sweep; the layer they sit on stays.
TEST_F(StoreOpenTest, SweepFinishesAnInterruptedLayerRemoval) {
  Layer base, top, child;
  {
    auto s = Store::Open(root_, Store::Mode::kWrite);
    base = CommitFile(s, "a", std::nullopt);
    top = CommitFile(s, "b", base.chain_id);
    child = CommitFile(s, "c", top.chain_id);
    // What Remove({child, top}) has done when killed: both renamed away,
    // child's dir deleted in part, top's not yet.
    for (const Layer& l : {child, top}) {
      fs::rename(layout::LayerDir(root_, l.chain_id), layout::LayerRemoval(root_, l.chain_id));
    }
    fs::remove(layout::CacheCommittedFile(root_, child.cache_id));
    WriteFileDurable(layout::DirtyMarker(root_), "");
  }
  auto s = Store::Open(root_, Store::Mode::kWrite);
  for (const Layer& l : {child, top}) {
    EXPECT_FALSE(fs::exists(layout::CacheDir(root_, l.cache_id))) << l.cache_id;
    EXPECT_FALSE(fs::exists(fs::symlink_status(layout::LinkPath(root_, l.link))));
  }
  EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(root_)));
  ASSERT_TRUE(s.layers().Get(base.chain_id));
  EXPECT_TRUE(fs::exists(layout::CacheCommittedFile(root_, base.cache_id)));
  EXPECT_EQ(s.layers().List(), std::vector<Digest>{base.chain_id});
}

// A power loss before Remove's one sync may keep a child's layerdb entry
// but not its parent's: the sweep removes the child too (it can never be
// whole again), and leaves every other layer.
TEST_F(StoreOpenTest, SweepRemovesALayerWhoseParentWasUnregistered) {
  Layer base, top, child, grandchild, other;
  {
    auto s = Store::Open(root_, Store::Mode::kWrite);
    base = CommitFile(s, "a", std::nullopt);
    top = CommitFile(s, "b", base.chain_id);
    child = CommitFile(s, "c", top.chain_id);
    grandchild = CommitFile(s, "d", child.chain_id);
    other = CommitFile(s, "e", base.chain_id);
    fs::remove_all(layout::LayerDir(root_, top.chain_id));
    WriteFileDurable(layout::DirtyMarker(root_), "");
  }
  auto s = Store::Open(root_, Store::Mode::kWrite);
  std::vector<Digest> expected{base.chain_id, other.chain_id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(s.layers().List(), expected);
  for (const Layer& l : {top, child, grandchild}) EXPECT_FALSE(fs::exists(layout::CacheDir(root_, l.cache_id)));
  EXPECT_TRUE(fs::exists(layout::CacheDiff(root_, other.cache_id)));
  EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(root_)));
}

// ImageStore::Remove unlinks rmi's chain of bare parents (or prune's
// dangling images) children first and syncs once: a power loss may keep a
// parent's unlink but not its child's. The sweep removes the untagged
// images left below the gap, children first, and keeps a tagged one, a
// sibling whose parent stayed, and every layer.
TEST_F(StoreOpenTest, SweepRemovesAnUntaggedImageWhoseParentWasRemoved) {
  Digest a, b, c, grandchild, tagged, sibling;
  {
    auto s = Store::Open(root_, Store::Mode::kWrite);
    const auto config = [](const std::string& name) {
      return R"({"rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"n":")" + name + R"("}}})";
    };
    a = s.images().Put(config("a"));
    b = s.images().Put(config("b"), a);
    c = s.images().Put(config("c"), b);
    grandchild = s.images().Put(config("grandchild"), c);
    tagged = s.images().Put(config("tagged"), b);
    sibling = s.images().Put(config("sibling"), a);
    s.refs().Tag("keep", tagged);
    fs::remove(layout::ImageContent(root_, b));
    WriteFileDurable(layout::DirtyMarker(root_), "");
  }
  auto s = Store::Open(root_, Store::Mode::kWrite);
  std::vector<Digest> expected{a, tagged, sibling};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(s.images().List(), expected);
  for (const Digest& gone : {b, c, grandchild}) {
    EXPECT_FALSE(fs::exists(layout::ImageMetadataDir(root_, gone))) << gone.str();
  }
  EXPECT_EQ(s.images().Parent(sibling), a);
}

// A layerdb entry whose cache-id cannot be read may name any dir: then a
// dir with its `committed` marker stays, as it did before removals relied
// on layerdb alone.
TEST_F(StoreOpenTest, SweepTrustsMarkersWhenALayerRecordIsUnreadable) {
  { auto s = Store::Open(root_, Store::Mode::kWrite); }
  const std::string marked(64, 'a'), unmarked(64, 'b');
  fs::create_directories(layout::CacheDiff(root_, marked));
  WriteFileDurable(layout::CacheCommittedFile(root_, marked), "");
  fs::create_directories(layout::CacheDiff(root_, unmarked));
  fs::create_directories(layout::LayerDbDir(root_) / std::string(64, 'c'));  // no cache-id
  WriteFileDurable(layout::DirtyMarker(root_), "");
  { auto s = Store::Open(root_, Store::Mode::kWrite); }
  EXPECT_TRUE(fs::exists(layout::CacheDiff(root_, marked)));
  EXPECT_FALSE(fs::exists(layout::CacheDir(root_, unmarked)));
}

TEST_F(StoreOpenTest, ReaderSweepsWhenItCanHaveTheLockAlone) {
  { auto s = Store::Open(root_, Store::Mode::kWrite); }
  fs::create_directories(layout::LayerDbTmp(root_) / "junk");
  WriteFileDurable(layout::DirtyMarker(root_), "");
  { auto r = Store::Open(root_, Store::Mode::kRead); }
  EXPECT_FALSE(fs::exists(layout::LayerDbTmp(root_) / "junk"));
  EXPECT_FALSE(fs::exists(layout::DirtyMarker(root_)));
}

TEST_F(StoreOpenTest, SweepSparesAPendingLayerInUse) {
  auto s = Store::Open(root_, Store::Mode::kWrite);
  PendingLayer p = s.layers().CreatePending();
  fs::create_directories(layout::LayerDbTmp(root_) / p.cache_id);
  RemoveLeftovers(root_);
  EXPECT_TRUE(fs::exists(p.diff_dir));
  EXPECT_TRUE(fs::exists(layout::LayerDbTmp(root_) / p.cache_id));
  fs::path pending_dir = p.dir;
  s.layers().Discard(p);
  EXPECT_FALSE(fs::exists(pending_dir));
}

TEST_F(StoreOpenTest, WriterThatThrowsSweepsBeforeUnlocking) {
  try {
    auto s = Store::Open(root_, Store::Mode::kWrite);
    fs::create_directories(layout::LayerDbTmp(root_) / "half-made");
    throw Error("boom");
  } catch (const Error&) {
  }
  EXPECT_FALSE(fs::exists(layout::LayerDbTmp(root_) / "half-made"));
  EXPECT_FALSE(fs::exists(layout::DirtyMarker(root_)));
}

TEST_F(StoreOpenTest, NoPermissionNamesTheRight) {
  UBUILD_SKIP_UNLESS_ROOT("dropping privileges to nobody");
  fs::create_directories(dir_.path());
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    std::string msg = "no error";
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) msg = "cannot drop privileges";
    try {
      Store::Open(root_, Store::Mode::kWrite);
    } catch (const Error& e) {
      msg = e.message();
    }
    (void)!::write(pipefd[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  ::waitpid(pid, nullptr, 0);
  ASSERT_NE(msg, "cannot drop privileges") << "this test runs as root and drops to nobody";
  EXPECT_NE(msg.find("permission denied"), std::string::npos) << msg;
  EXPECT_NE(msg.find("write access"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("errno"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ubuild::store
