// ADD's remote sources: which words are URLs or git repositories, the file
// name a URL gives, git fragments; and real fetches, from a python
// http.server on 127.0.0.1 and a local repository through the git binary.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "builder/copy/fetch_dir.h"
#include "builder/copy/git_source.h"
#include "builder/copy/url_source.h"
#include "copy_test_tree.h"
#include "store/base/error.h"

extern char** environ;

namespace ubuild::builder {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(UrlSource, FileNameFromTheUrlPath) {
  EXPECT_EQ(UrlFileName("http://h/a.txt"), "a.txt");
  EXPECT_EQ(UrlFileName("https://h:8080/x/y/z.tar.gz?v=1#frag"), "z.tar.gz");
  EXPECT_EQ(UrlFileName("http://h/dir/"), "");
  EXPECT_EQ(UrlFileName("http://h"), "");
  EXPECT_EQ(UrlFileName("http://h?q=/a"), "");
  EXPECT_TRUE(IsHttpUrl("https://h/a"));
  EXPECT_FALSE(IsHttpUrl("git@h:r.git"));
}

TEST(GitSource, WhichSourcesAreRepositories) {
  EXPECT_TRUE(IsGitSource("git@github.com:moby/buildkit.git"));
  EXPECT_TRUE(IsGitSource("git://h/r"));
  EXPECT_TRUE(IsGitSource("ssh://git@h/r.git"));
  EXPECT_TRUE(IsGitSource("https://h/r.git#v1:sub"));
  EXPECT_FALSE(IsGitSource("https://h/r.git.tar"));
  EXPECT_FALSE(IsGitSource("https://h/r"));
  EXPECT_FALSE(IsGitSource("r.git"));
}

TEST(GitSource, RefAndSubdirFromTheFragment) {
  GitRef r = ParseGitRef("https://h/r.git#v0.10.1:docs/./a/");
  EXPECT_EQ(r.remote, "https://h/r.git");
  EXPECT_EQ(r.ref, "v0.10.1");
  EXPECT_EQ(r.subdir, "docs/a");
  r = ParseGitRef("git@h:r.git");
  EXPECT_EQ(r.remote, "git@h:r.git");
  EXPECT_EQ(r.ref, "");
  EXPECT_EQ(r.subdir, "");
  EXPECT_EQ(ParseGitRef("https://h/r.git#:../../x").subdir, "x");  // never above the repository
  EXPECT_THROW(ParseGitRef("https://h/r.git#--upload-pack=x"), Error);
}

// A python http.server serving `dir` on a free 127.0.0.1 port.
class HttpServer {
 public:
  explicit HttpServer(const std::filesystem::path& dir) {
    port_ = 20000 + static_cast<int>(getpid() % 20000);
    std::vector<std::string> args = {"python3", "-m", "http.server", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--directory", dir.string()};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    WriteFile(dir / ".ready", "");
    for (int i = 0; i < 100 && pid_; ++i) {
      TempDir probe;
      try {
        FetchUrl(url() + "/.ready", probe.path(), "");
        return;
      } catch (const Error&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  ~HttpServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

TEST(UrlSource, FetchNamesTheFileAndKeepsLastModified) {
  TempDir served, out;
  WriteFile(served.path() / "d/a.txt", "hello\n");
  struct timespec times[2] = {{1577934245, 0}, {1577934245, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (served.path() / "d/a.txt").c_str(), times, 0), 0);
  HttpServer server(served.path());
  FetchedFile f = FetchUrl(server.url() + "/d/a.txt?x=1",
                           out.path(), "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  EXPECT_EQ(f.name, "a.txt");
  struct stat st {};
  ASSERT_EQ(lstat((out.path() / "a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_mtime, 1577934245);
  EXPECT_EQ(ReadFile(out.path() / "a.txt"), "hello\n");
}

TEST(UrlSource, ChecksumMismatchLeavesNoNamedFile) {
  TempDir served, out;
  WriteFile(served.path() / "a.txt", "hello\n");
  HttpServer server(served.path());
  try {
    FetchUrl(server.url() + "/a.txt", out.path(), "sha256:" + std::string(64, '0'));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(out.path() / "a.txt"));
}

TEST(UrlSource, FailingStatusNamesStatusAndHost) {
  TempDir served, out;
  HttpServer server(served.path());
  try {
    FetchUrl(server.url() + "/missing", out.path(), "");
    ADD_FAILURE();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("status 404"), std::string::npos) << what;
    EXPECT_NE(what.find("(host 127.0.0.1:"), std::string::npos) << what;
  }
}

int Sh(const std::string& command) { return std::system(command.c_str()); }

TEST(GitSource, FetchChecksOutRefAndSubdirWithoutGitDir) {
  TempDir repo;
  TempDir scratch;
  FetchDir fetch(scratch.path());
  const std::string r = repo.path().string();
  const std::string git = "git -c user.email=t@example.com -c user.name=t -C " + r;
  ASSERT_EQ(Sh("git init -q " + r + " && mkdir " + r + "/sub && echo one > " + r + "/sub/f && " + git +
               " add . && " + git + " commit -qm 1 && " + git + " tag v1 && echo two > " + r + "/sub/f && " + git +
               " commit -qam 2"),
            0);
  std::string commit;
  std::filesystem::path tree = FetchGit(ParseGitRef(r + "#v1:sub"), fetch.Next(), false, &commit);
  EXPECT_EQ(ReadFile(tree / "f"), "one\n");
  EXPECT_EQ(commit.size(), 40u);
  tree = FetchGit(ParseGitRef(r), fetch.Next(), false, &commit);
  EXPECT_EQ(ReadFile(tree / "sub/f"), "two\n");
  EXPECT_FALSE(std::filesystem::exists(tree / ".git"));
  tree = FetchGit(ParseGitRef(r), fetch.Next(), true, &commit);
  EXPECT_TRUE(std::filesystem::is_directory(tree / ".git"));
  EXPECT_THROW(FetchGit(ParseGitRef(r + "#nosuch"), fetch.Next(), false, &commit), Error);
}

}  // namespace
}  // namespace ubuild::builder
