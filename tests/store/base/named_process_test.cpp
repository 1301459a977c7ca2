#include "store/base/named_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace ubuild {
namespace {

TEST(ProcessNamedBy, RejectsWhatIsNoPid) {
  EXPECT_EQ(ProcessNamedBy(""), NamedProcess::kNotAPid);
  EXPECT_EQ(ProcessNamedBy("0"), NamedProcess::kNotAPid);
  EXPECT_EQ(ProcessNamedBy("000"), NamedProcess::kNotAPid);
  EXPECT_EQ(ProcessNamedBy("-1"), NamedProcess::kNotAPid);
  EXPECT_EQ(ProcessNamedBy("12a"), NamedProcess::kNotAPid);
  EXPECT_EQ(ProcessNamedBy(" 12"), NamedProcess::kNotAPid);
  EXPECT_EQ(ProcessNamedBy("1234567890"), NamedProcess::kNotAPid);  // ten digits
}

TEST(ProcessNamedBy, TellsARunningProcessFromAReapedOne) {
  EXPECT_EQ(ProcessNamedBy(std::to_string(::getpid())), NamedProcess::kMayRun);
  EXPECT_EQ(ProcessNamedBy("1"), NamedProcess::kMayRun);  // init: another user's when not root
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  // Reaped, and pids are handed out in rising order, so not reused yet.
  EXPECT_EQ(ProcessNamedBy(std::to_string(child)), NamedProcess::kGone);
  EXPECT_EQ(ProcessNamedBy("999999999"), NamedProcess::kGone);  // above any pid_max
}

}  // namespace
}  // namespace ubuild
