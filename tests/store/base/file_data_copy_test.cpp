#include "store/base/file_data_copy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild {
namespace {

namespace fs = std::filesystem;

class FileDataCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "file_data_copy.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Fd Source(const std::string& content) {
    std::ofstream(dir_ / "in", std::ios::binary) << content;
    return Fd(::open((dir_ / "in").c_str(), O_RDONLY | O_CLOEXEC));
  }
  Fd Target(int extra_flags = 0) {
    return Fd(::open((dir_ / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | extra_flags, 0600));
  }
  std::string Copied() {
    std::ifstream in(dir_ / "out", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string Bytes(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i * 7 % 26);
    return s;
  }

  fs::path dir_;
};

TEST_F(FileDataCopyTest, SmallAndLargeFilesArriveWhole) {
  // 100 bytes goes through the buffer; 300 KiB through copy_file_range,
  // and both ends are on one filesystem, so the call must take it.
  for (size_t size : {size_t{0}, size_t{100}, size_t{300} << 10}) {
    const std::string content = Bytes(size);
    Fd in = Source(content);
    Fd out = Target();
    CopyFileData(in.get(), out.get(), static_cast<off_t>(size), "f", FileDataCopyOptions{nullptr, true});
    out.Close("out");
    EXPECT_EQ(Copied(), content) << size;
  }
}

TEST_F(FileDataCopyTest, AShrunkSourceIsAnErrorOnlyWhenAskedTo) {
  for (size_t size : {size_t{100}, size_t{300} << 10}) {
    const std::string content = Bytes(size);
    {
      Fd in = Source(content);
      Fd out = Target();
      try {
        CopyFileData(in.get(), out.get(), static_cast<off_t>(size + 10), "/f", FileDataCopyOptions{nullptr, true});
        ADD_FAILURE() << "no error for " << size;
      } catch (const Error& e) {
        EXPECT_EQ(e.message(), "/f: file shrank while being copied");
      }
    }
    Fd in = Source(content);
    Fd out = Target();
    CopyFileData(in.get(), out.get(), static_cast<off_t>(size + 10), "/f", FileDataCopyOptions{nullptr, false});
    out.Close("out");
    EXPECT_EQ(Copied(), content) << "stops at the source's end: " << size;
  }
}

TEST_F(FileDataCopyTest, ARefusedCopyFileRangeFallsBackOnceAndForAll) {
  // copy_file_range refuses an O_APPEND target (EBADF), as it refuses a
  // pair of filesystems it cannot join.
  const std::string content = Bytes(200 << 10);
  std::atomic<bool> try_cfr{true};
  {
    Fd in = Source(content);
    Fd out = Target(O_APPEND);
    CopyFileData(in.get(), out.get(), static_cast<off_t>(content.size()), "f", FileDataCopyOptions{&try_cfr, false});
    out.Close("out");
  }
  EXPECT_EQ(Copied(), content);
  EXPECT_FALSE(try_cfr.load()) << "later files go straight to read/write";
  // Without the shared flag the refusal is the caller's error.
  Fd in = Source(content);
  Fd out = Target(O_APPEND);
  try {
    CopyFileData(in.get(), out.get(), static_cast<off_t>(content.size()), "/f", FileDataCopyOptions{nullptr, true});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("copy_file_range"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace ubuild
