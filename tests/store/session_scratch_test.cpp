#include "store/session_scratch.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

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

// A helper naming a path in the session on its command line, or working in
// it, is killed; one naming only the session dir's sibling is not.
TEST(SessionScratch, KillSessionHelpersKillsWhatNamesAPathInTheSession) {
  testing::TestDir dir;
  const fs::path session = dir.path() / "0123456789abcdef";
  auto spawn = [](const std::string& arg0) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", "sleep 30", arg0.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  };
  const pid_t inside = spawn((session / "ssh-x/agent.0").string());
  const pid_t beside = spawn(session.string() + "0/agent.0");
  fs::create_directories(session / "add-x");
  const pid_t working = ::fork();
  if (working == 0) {
    if (::chdir((session / "add-x").c_str()) != 0) ::_exit(127);
    ::execl("/bin/sh", "sh", "-c", "sleep 30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Until each child has exec'd, its command line is this test's.
  auto execd = [](pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return cmdline.rfind(std::string("sh\0-c", 5), 0) == 0;
  };
  while (!execd(inside) || !execd(beside) || !execd(working)) ::usleep(1000);
  KillSessionHelpers(session);
  // Gone when it returns (zombies of this test's), not only signalled.
  int status = 0;
  ASSERT_EQ(::waitpid(inside, &status, WNOHANG), inside);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_EQ(::waitpid(working, &status, WNOHANG), working);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "a process working inside the session";
  EXPECT_EQ(::waitpid(beside, &status, WNOHANG), 0) << "a process outside the session stays";
  ::kill(beside, SIGKILL);
  ::waitpid(beside, nullptr, 0);
}

// Processes that exit while the scan reads their /proc files (a killed
// build's, as the next command sweeps) are no error.
TEST(SessionScratch, KillSessionHelpersIsNotDisturbedByProcessesExiting) {
  testing::TestDir dir;
  std::atomic<bool> done{false};
  auto churn = [&done] {
    for (int n = 0; !done; ++n) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::usleep(100 + n % 400);
        ::_exit(0);
      }
      if (pid > 0) ::waitpid(pid, nullptr, 0);
    }
  };
  std::thread a(churn), b(churn);
  // (Before the fix, about one run of 400 scans in two threw.)
  for (int i = 0; i < 1000; ++i) {
    try {
      KillSessionHelpers(dir.path() / "0123456789abcdef");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "scan " << i << ": " << e.what();
      break;
    }
  }
  done = true;
  a.join();
  b.join();
}

}  // namespace
}  // namespace ubuild::store
