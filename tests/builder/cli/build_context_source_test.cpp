#include "builder/cli/build_context_source.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"

namespace ubuild::cli {
namespace {

using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

TEST(IsGitUrl, FollowsDockersUrlutilRule) {
  EXPECT_TRUE(IsGitUrl("https://github.com/docker/cli.git"));
  EXPECT_TRUE(IsGitUrl("https://example.com/repo.git#main:sub"));
  EXPECT_TRUE(IsGitUrl("http://127.0.0.1:8080/r.git"));
  // The regexp's unescaped '.': any character before "git".
  EXPECT_TRUE(IsGitUrl("https://example.com/xgit"));
  EXPECT_TRUE(IsGitUrl("git://example.com/repo"));
  EXPECT_TRUE(IsGitUrl("git@github.com:docker/cli.git"));
  EXPECT_TRUE(IsGitUrl("github.com/docker/cli"));
  EXPECT_FALSE(IsGitUrl("https://example.com/context.tar.gz"));
  EXPECT_FALSE(IsGitUrl("https://example.com/repo.git#"));
  EXPECT_FALSE(IsGitUrl("file:///srv/repo.git"));
  EXPECT_FALSE(IsGitUrl("./repo.git"));
}

TEST(ParseGitUrl, SplitsRefAndSubdirFromTheFragment) {
  GitUrl u = ParseGitUrl("https://example.com/repo.git#v1.0:docker/app");
  EXPECT_EQ(u.remote, "https://example.com/repo.git");
  EXPECT_EQ(u.ref, "v1.0");
  EXPECT_EQ(u.subdir, "docker/app");
  u = ParseGitUrl("https://example.com/repo.git#:sub");
  EXPECT_EQ(u.ref, "");
  EXPECT_EQ(u.subdir, "sub");
  u = ParseGitUrl("git@github.com:me/repo.git#dev");
  EXPECT_EQ(u.remote, "git@github.com:me/repo.git");
  EXPECT_EQ(u.ref, "dev");
  EXPECT_EQ(u.subdir, "");
  EXPECT_EQ(ParseGitUrl("github.com/me/repo").remote, "https://github.com/me/repo");
  EXPECT_THROW(ParseGitUrl("https://example.com/repo.git#--upload-pack=x"), Error);
}

std::string Block(size_t n, char c) { return std::string(n, c); }

// A 512-byte ustar header for "a" with a correct checksum.
std::string TarHeader() {
  std::string h(512, '\0');
  auto put = [&](size_t at, const std::string& text) { h.replace(at, text.size(), text); };
  put(0, "a");
  put(100, "0000644");
  put(124, "00000000000");
  put(156, "0");
  put(257, "ustar");
  put(148, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char field[8];
  std::snprintf(field, sizeof field, "%06o", sum);
  put(148, std::string(field, 6) + '\0');
  return h;
}

TEST(LooksLikeArchive, KnowsCompressionMagicAndTarHeaders) {
  EXPECT_TRUE(LooksLikeArchive(std::string("\x1f\x8b\x08\x00", 4)));
  EXPECT_TRUE(LooksLikeArchive("BZh91AY"));
  EXPECT_TRUE(LooksLikeArchive(std::string("\xfd" "7zXZ\x00\x00", 7)));
  EXPECT_TRUE(LooksLikeArchive(std::string("\x28\xb5\x2f\xfd\x00", 5)));
  EXPECT_TRUE(LooksLikeArchive(TarHeader()));
  std::string broken = TarHeader();
  broken[0] = 'b';  // the checksum no longer matches
  EXPECT_FALSE(LooksLikeArchive(broken));
  EXPECT_FALSE(LooksLikeArchive("FROM busybox\nRUN true\n"));
  EXPECT_FALSE(LooksLikeArchive(Block(512, '\0')));
  EXPECT_FALSE(LooksLikeArchive(Block(600, 'F')));
}

TEST(ClassifyContext, DirectoryWinsThenGitUrlThenFile) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "dir");
  WriteFile(tmp.path() / "ctx.tar", "x");
  EXPECT_EQ(ClassifyContext("-"), ContextKind::kStdin);
  EXPECT_EQ(ClassifyContext((tmp.path() / "dir").string()), ContextKind::kDirectory);
  EXPECT_EQ(ClassifyContext((tmp.path() / "ctx.tar").string()), ContextKind::kArchiveFile);
  EXPECT_EQ(ClassifyContext("https://example.com/r.git"), ContextKind::kGitUrl);
  EXPECT_THROW(ClassifyContext((tmp.path() / "missing").string()), Error);
  EXPECT_THROW(ClassifyContext("https://example.com/context.tar.gz"), Error);
}

TEST(PreparedContext, ADirectoryIsUsedInPlace) {
  TempDir tmp;
  PreparedContext c = PreparedContext::Prepare(tmp.path().string(), false, {});
  EXPECT_EQ(c.dir(), tmp.path());
  EXPECT_EQ(c.kind(), ContextKind::kDirectory);
}

size_t Entries(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(PreparedContext, AnUnreadableArchiveLeavesNoTempDir) {
  TempDir src;
  WriteFile(src.path() / "bad.tar", "not a tar at all");
  TempDir scratch;
  EXPECT_THROW(PreparedContext::Prepare((src.path() / "bad.tar").string(), false, scratch.path()), Error);
  EXPECT_EQ(Entries(scratch.path()), 0u);
}

TEST(PreparedContext, AnArchiveIsUnpackedInsideTheScratchDir) {
  TempDir src;
  std::filesystem::create_directories(src.path() / "ctx");
  WriteFile(src.path() / "ctx" / "f", "x");
  const std::filesystem::path tar = src.path() / "c.tar";
  ASSERT_EQ(std::system(("tar -C " + (src.path() / "ctx").string() + " -cf " + tar.string() + " .").c_str()), 0);
  TempDir scratch;
  {
    PreparedContext c = PreparedContext::Prepare(tar.string(), false, scratch.path());
    EXPECT_EQ(c.dir().parent_path().parent_path(), scratch.path());
    EXPECT_TRUE(std::filesystem::is_regular_file(c.dir() / "f"));
    EXPECT_EQ(Entries(scratch.path()), 1u);
  }
  EXPECT_EQ(Entries(scratch.path()), 0u);
}

TEST(PreparedContext, DockerfileInStaysInsideTheContext) {
  TempDir tmp;
  const std::filesystem::path dir = tmp.path() / "ctx";
  std::filesystem::create_directories(dir);
  std::filesystem::path tar = tmp.path() / "c.tar";
  ASSERT_EQ(std::system(("tar -C " + dir.string() + " -cf " + tar.string() + " .").c_str()), 0);
  TempDir scratch;
  PreparedContext c = PreparedContext::Prepare(tar.string(), false, scratch.path());
  EXPECT_EQ(c.DockerfileIn("sub/Dockerfile"), c.dir() / "sub/Dockerfile");
  EXPECT_EQ(c.DockerfileIn("/Dockerfile"), c.dir() / "Dockerfile");
  EXPECT_THROW(c.DockerfileIn("../Dockerfile"), Error);
  const std::filesystem::path made = c.dir().parent_path();
  EXPECT_TRUE(std::filesystem::is_directory(made));
  { PreparedContext moved = std::move(c); }
  EXPECT_FALSE(std::filesystem::exists(made));
}

}  // namespace
}  // namespace ubuild::cli
