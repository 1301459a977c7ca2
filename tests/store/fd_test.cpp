#include "store/base/fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

namespace ubuild {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int OpenDevNull() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  return fd;
}

TEST(Fd, ClosesWhenDestroyed) {
  int raw = OpenDevNull();
  {
    Fd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(Fd, DefaultIsInvalid) {
  Fd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.get(), -1);
}

TEST(Fd, MoveTransfersOwnership) {
  int raw = OpenDevNull();
  Fd a(raw);
  Fd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(b.get(), raw);
  Fd c;
  c = std::move(b);
  EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(IsOpen(raw));
}

TEST(Fd, MoveAssignmentClosesTheOldDescriptor) {
  int old_raw = OpenDevNull();
  int new_raw = OpenDevNull();
  Fd fd(old_raw);
  fd = Fd(new_raw);
  EXPECT_FALSE(IsOpen(old_raw));
  EXPECT_TRUE(IsOpen(new_raw));
}

TEST(Fd, ReleaseGivesUpOwnership) {
  int raw = OpenDevNull();
  {
    Fd fd(raw);
    EXPECT_EQ(fd.release(), raw);
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_TRUE(IsOpen(raw));
  ::close(raw);
}

TEST(Fd, ResetClosesAndTakesTheNewOne) {
  int first = OpenDevNull();
  int second = OpenDevNull();
  Fd fd(first);
  fd.reset(second);
  EXPECT_FALSE(IsOpen(first));
  EXPECT_EQ(fd.get(), second);
  fd.reset();
  EXPECT_FALSE(IsOpen(second));
  EXPECT_FALSE(fd.valid());
}

TEST(Fd, CloseReportsFailureWithThePath) {
  int raw = OpenDevNull();
  Fd fd(raw);
  fd.Close("/dev/null");
  EXPECT_FALSE(IsOpen(raw));
  EXPECT_FALSE(fd.valid());
  try {
    fd.Close("/some/file");  // nothing left to close: EBADF
    FAIL() << "Close of an invalid Fd did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("close /some/file: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace ubuild
