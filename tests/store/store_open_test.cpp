#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

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
