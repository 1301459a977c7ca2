#include "store/base/executable_search.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ubuild {
namespace {

namespace fs = std::filesystem;

class FindExecutableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* path = std::getenv("PATH");
    had_path_ = path != nullptr;
    if (had_path_) saved_path_ = path;
    dir_ = fs::temp_directory_path() / ("ubuild-exec-search-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
  }
  void TearDown() override {
    if (had_path_) {
      ::setenv("PATH", saved_path_.c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
    fs::remove_all(dir_);
  }
  void MakeFile(const fs::path& p, mode_t mode) {
    std::ofstream(p) << "#!/bin/sh\n";
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
  }

  fs::path dir_;
  bool had_path_ = false;
  std::string saved_path_;
};

TEST_F(FindExecutableTest, FirstExecutableInPathOrderWins) {
  MakeFile(dir_ / "a" / "tool", 0644);  // not executable: passed over
  MakeFile(dir_ / "b" / "tool", 0755);
  ::setenv("PATH", ((dir_ / "a").string() + ":" + (dir_ / "b").string()).c_str(), 1);
  EXPECT_EQ(FindExecutable("tool"), (dir_ / "b" / "tool").string());
  MakeFile(dir_ / "a" / "tool", 0755);
  EXPECT_EQ(FindExecutable("tool"), (dir_ / "a" / "tool").string());
}

TEST_F(FindExecutableTest, MissingIsEmptyAndEmptyEntriesAreSkipped) {
  ::setenv("PATH", (":" + (dir_ / "a").string() + "::").c_str(), 1);
  EXPECT_EQ(FindExecutable("no-such-tool"), "");
}

TEST_F(FindExecutableTest, UnsetPathUsesTheDefault) {
  ::unsetenv("PATH");
  // /bin/sh is on every default PATH; which directory holds it first
  // depends on the distribution's /usr merge.
  const std::string sh = FindExecutable("sh");
  EXPECT_TRUE(sh == "/usr/bin/sh" || sh == "/bin/sh" || sh == "/usr/local/bin/sh") << sh;
}

}  // namespace
}  // namespace ubuild
