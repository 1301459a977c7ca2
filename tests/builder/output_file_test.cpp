#include "builder/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "busybox_rootfs.h"
#include "store/base/error.h"

namespace ubuild::builder {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(OutputFileTest, ReplacesARegularFileWholeOrCreatesIt) {
  TempDir tmp;
  const auto file = tmp.path() / "iid";
  WriteFile(file, "an older and longer content");
  const auto missing = tmp.path() / "new";
  EXPECT_FALSE(IsSpecialOutputFile(file));
  EXPECT_FALSE(IsSpecialOutputFile(missing));
  WriteOutputFile(file, "sha256:abc");
  WriteOutputFile(missing, "x");
  EXPECT_EQ(ReadFile(file), "sha256:abc");
  EXPECT_EQ(ReadFile(missing), "x");
}

// A FIFO stands for /dev/null and the like: the bytes go through it, and it
// is still a FIFO afterwards (a rename would have left a regular file).
TEST(OutputFileTest, WritesIntoAFifoInPlace) {
  TempDir tmp;
  const auto fifo = tmp.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(IsSpecialOutputFile(fifo));
  auto reader = std::async(std::launch::async, [&] { return ReadFile(fifo); });
  WriteOutputFile(fifo, "sha256:abc");
  EXPECT_EQ(reader.get(), "sha256:abc");
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(OutputFileTest, DevNullIsSpecialADirectoryIsNot) {
  EXPECT_TRUE(IsSpecialOutputFile("/dev/null"));
  EXPECT_FALSE(IsSpecialOutputFile("/"));
}

TEST(OutputFileTest, AMissingDirectoryIsAnError) {
  TempDir tmp;
  EXPECT_THROW(WriteOutputFile(tmp.path() / "none" / "iid", "x"), Error);
}

}  // namespace
}  // namespace ubuild::builder
