#include "store/session_scratch.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/base/error.h"
#include "store/layout.h"
#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

TEST(SessionScratch, DirsAreMadeInsideTheWritersSession) {
  testing::TestDir dir;
  fs::path scratch;
  {
    Store s = Store::Open(dir.path(), Store::Mode::kConcurrent);
    ASSERT_FALSE(s.scratch().empty());
    EXPECT_EQ(s.scratch().parent_path(), layout::SessionsDir(s.root()));
    scratch = MakeScratchDir(s.scratch(), "add");
    EXPECT_EQ(scratch.parent_path(), s.scratch());
    EXPECT_EQ(scratch.filename().string().rfind("add-", 0), 0u) << scratch;
    EXPECT_EQ(fs::status(scratch).permissions(), fs::perms::owner_all);
    EXPECT_NE(MakeScratchDir(s.scratch(), "add"), scratch);
  }
  EXPECT_FALSE(fs::exists(scratch)) << "a clean end removes the scratch with the session";
}

TEST(SessionScratch, AReaderHasNoScratch) {
  testing::TestDir dir;
  { Store::Open(dir.path(), Store::Mode::kWrite); }
  Store s = Store::Open(dir.path(), Store::Mode::kRead);
  EXPECT_TRUE(s.scratch().empty());
  EXPECT_THROW(MakeScratchDir(s.scratch(), "add"), Error);
}

// What a SIGKILL'd writer leaves goes with its dead session at the next open.
TEST(SessionScratch, ADeadWritersScratchGoesAtTheNextOpen) {
  testing::TestDir dir;
  { Store::Open(dir.path(), Store::Mode::kWrite); }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    Store s = Store::Open(dir.path(), Store::Mode::kConcurrent);
    const std::string made = MakeScratchDir(s.scratch(), "context").string();
    (void)!::write(fds[1], made.data(), made.size());
    ::_exit(0);  // no destructors: as a killed process leaves it
  }
  ::close(fds[1]);
  char buf[4096];
  const ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  ASSERT_GT(n, 0);
  const fs::path made(std::string(buf, static_cast<size_t>(n)));
  ASSERT_TRUE(fs::is_directory(made));
  { Store::Open(dir.path(), Store::Mode::kWrite); }
  EXPECT_FALSE(fs::exists(made.parent_path()));
}

TEST(SessionScratch, SocketDirsGoToTmpdirOnlyWhenTheSessionPathIsTooLong) {
  const fs::path short_session = "/var/lib/ubuild/sessions/0123456789abcdef";
  EXPECT_EQ(SocketScratchTemplate(short_session, "ssh"), (short_session / "ssh-XXXXXX").string());
  const fs::path long_session = fs::path("/" + std::string(90, 'r')) / "sessions/0123456789abcdef";
  EXPECT_EQ(SocketScratchTemplate(long_session, "ssh"), (fs::temp_directory_path() / "ubuild-ssh-XXXXXX").string());
}

}  // namespace
}  // namespace ubuild::store
