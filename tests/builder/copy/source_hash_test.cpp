// COPY/ADD source hashes against values Docker 20.10's classic builder wrote
// into image history (Debian's docker.io 20.10 client and daemon,
// DOCKER_BUILDKIT=0, same trees), and the context digest cache.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "builder/copy/copy_step.h"
#include "builder/copy/source_hash.h"
#include "copy_test_tree.h"
#include "store/digest.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {

using testing::MakeDir;
using testing::Symlink;
using testing::TempDir;
using testing::WriteFile;

std::string Hash(const std::filesystem::path& ctx, std::vector<std::string> sources, const DockerIgnore* ignore = nullptr,
                 const std::filesystem::path* cache = nullptr) {
  CopySpec spec;
  spec.sources = std::move(sources);
  spec.dest = "/x/";
  spec.source_root = ctx;
  spec.ignore = ignore;
  return SourceHash(spec, cache);
}

TEST(SourceHashTest, MatchesDockerForContextFiles) {
  TempDir t;
  testing::MakeDockerVectorContext(t.path());
  EXPECT_EQ(Hash(t.path(), {"a.txt"}), "file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d");
  EXPECT_EQ(Hash(t.path(), {"run.sh"}), "file:f19fc3ed27198dbb3294fbc11ce91a64f70351dc368d13bf5eaacd8142b07cf2");
  // A named symlink hashes as the file it points to.
  EXPECT_EQ(Hash(t.path(), {"toplink"}), "file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d");
  EXPECT_EQ(Hash(t.path(), {"*.txt"}), "file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d");
  EXPECT_EQ(Hash(t.path(), {"/a.txt"}), "file:679c43c79a56cffbb3b002bda3050542c152a2f09757a0f1a9578871f7cda00d");
}

TEST(SourceHashTest, MatchesDockerForDirectoriesWithLinks) {
  TempDir t;
  testing::MakeDockerVectorContext(t.path());
  // Hard link entry, symlinks resolved to their targets, a dangling one as
  // its path string, modes 0750/0600.
  EXPECT_EQ(Hash(t.path(), {"d"}), "dir:4b9f88f5bfab8936940cb7c40af1267c40df457e0349ffd5adb3b94c41b1192a");
  EXPECT_EQ(Hash(t.path(), {"d/"}), "dir:4b9f88f5bfab8936940cb7c40af1267c40df457e0349ffd5adb3b94c41b1192a");
  // setuid is part of the hashed mode.
  EXPECT_EQ(Hash(t.path(), {"e"}), "dir:a49a9b56a2292b3e80bb57066b74b6e5a19cc10c37691396fd20357acdd77f66");
  EXPECT_EQ(Hash(t.path(), {"."}), "dir:2d41a606d877e581b9b7f4ebc133c2061ac9caa10f4c820d4090390206382dd8");
}

TEST(SourceHashTest, MatchesDockerForSeveralSources) {
  TempDir t;
  testing::MakeDockerVectorContext(t.path());
  EXPECT_EQ(Hash(t.path(), {"a.txt", "run.sh"}),
            "multi:53a5b920fff622b008473242c5a22a54bc8487ab435cf6376eb4b8869a0e9733");
}

TEST(SourceHashTest, MatchesDockerWithDockerignoreAndGlobs) {
  TempDir t;
  const auto& c = t.path();
  MakeDir(c / "priv", 0700);
  MakeDir(c / "priv/in", 0755);
  WriteFile(c / "priv/in/x", "p");
  MakeDir(c / "g/sub");
  WriteFile(c / "g/a1", "g1");
  WriteFile(c / "g/b2", "g2");
  WriteFile(c / "g/sub/s", "s");
  MakeDir(c / "logs/keep");
  WriteFile(c / "logs/a.log", "l");
  WriteFile(c / "logs/keep/k.log", "k");
  WriteFile(c / "g/sub/ignored.log", "zzz");
  WriteFile(c / ".dockerignore", "# comment\n**/*.log\n!logs/keep\n/ign\nDockerfile\n.dockerignore\n");
  DockerIgnore ignore = DockerIgnore::Load(c);
  EXPECT_EQ(Hash(c, {"priv"}, &ignore), "dir:463e7934e02a81fc29d107321154d755c26824e27b2689091172c158047e83d3");
  // g/sub/ignored.log is excluded, so g hashes as Docker's did without it.
  EXPECT_EQ(Hash(c, {"g"}, &ignore), "dir:2abb3888e8327663fc6721c8ea9efdca4c164babd6449eb698702c9e7d4900d8");
  EXPECT_EQ(Hash(c, {"g/sub/s"}, &ignore), "file:2e45d99ba68041756e1a8e63621cb709390908900fffa4396f5b0817a04d519b");
  EXPECT_EQ(Hash(c, {"g/*"}, &ignore), "multi:f01ff96c8482fcbd744387ad6a1b7df59b9dc4211add14701dec29bb6582f588");
  EXPECT_NE(Hash(c, {"g"}), Hash(c, {"g"}, &ignore));
}

TEST(SourceHashTest, MatchesDockerForAnotherImage) {
  UBUILD_SKIP_UNLESS_ROOT("the expected hash is of files owned by 0:0");
  // COPY --from=t1 of the tree Docker produced for `COPY d /d1/`.
  TempDir t;
  const auto& r = t.path();
  WriteFile(r / "a.txt", "hello\n");
  MakeDir(r / "d1");
  WriteFile(r / "d1/f1", "one");
  ASSERT_EQ(link((r / "d1/f1").c_str(), (r / "d1/hard").c_str()), 0);
  Symlink("f1", r / "d1/link");
  Symlink("../a.txt", r / "d1/uplink");
  Symlink("nowhere", r / "d1/dangling");
  MakeDir(r / "d1/sub", 0750);
  WriteFile(r / "d1/sub/f2", "two", 0600);
  CopySpec spec;
  spec.from_image = true;
  spec.source_root = r;
  spec.dest = "/x";
  spec.sources = {"/a.txt"};
  EXPECT_EQ(SourceHash(spec, nullptr), "file:e67a8d185479f7c3fcbec734cd78a33cd4a6734f53cd16060dd441c6f018e1f8");
  spec.sources = {"/d1"};
  EXPECT_EQ(SourceHash(spec, nullptr), "dir:34e29a048ae97dc761fc8aa0fff638379d32fb232e153eb9b21351e203890411");
}

TEST(SourceHashTest, IgnoresMtimeButNotContentModeOrOwnerOfImageFiles) {
  TempDir t;
  WriteFile(t.path() / "d/f", "abc");
  const std::string before = Hash(t.path(), {"d"});
  struct timespec times[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (t.path() / "d/f").c_str(), times, 0), 0);
  EXPECT_EQ(Hash(t.path(), {"d"}), before);
  ASSERT_EQ(chmod((t.path() / "d/f").c_str(), 0600), 0);
  const std::string chmodded = Hash(t.path(), {"d"});
  EXPECT_NE(chmodded, before);
  WriteFile(t.path() / "d/f", "abd", 0600);
  EXPECT_NE(Hash(t.path(), {"d"}), chmodded);
}

TEST(SourceHashTest, ErrorsNameTheSource) {
  TempDir t;
  WriteFile(t.path() / "ctx/a", "a");
  WriteFile(t.path() / "outside", "o");
  Symlink("../outside", t.path() / "ctx/up");
  Symlink("/etc/passwd", t.path() / "ctx/abs");
  const auto ctx = t.path() / "ctx";
  auto message = [&](std::vector<std::string> sources) {
    try {
      Hash(ctx, std::move(sources));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({"nothere"}),
            "COPY failed: file not found in build context or excluded by .dockerignore: stat nothere: file does not exist");
  EXPECT_EQ(message({"*.nomatch"}), "COPY failed: no source files were specified");
  EXPECT_EQ(message({"../outside"}), "COPY failed: forbidden path outside the build context: ../outside");
  EXPECT_EQ(message({"up"}), "COPY failed: forbidden path outside the build context: up");
  EXPECT_EQ(message({"abs"}), "COPY failed: forbidden path outside the build context: abs");
}

// The digest cache: an unchanged context is hashed without reading any file,
// a touched file is reread and hashes the same, an edited one differently.
TEST(SourceHashTest, DigestCacheAvoidsRereadingUnchangedFiles) {
  TempDir t;
  const auto ctx = t.path() / "ctx";
  const auto cache = t.path() / "cache";
  for (int i = 0; i < 40; ++i) WriteFile(ctx / "src" / ("f" + std::to_string(i)), "content " + std::to_string(i));
  // Entries younger than the filesystem clock's granularity are not trusted.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));

  const uint64_t r0 = SourceHashContentReads();
  const std::string cold = Hash(ctx, {"src"}, nullptr, &cache);
  EXPECT_EQ(SourceHashContentReads() - r0, 40u);
  EXPECT_EQ(cold, Hash(ctx, {"src"}));  // same as without a cache

  const uint64_t r1 = SourceHashContentReads();
  EXPECT_EQ(Hash(ctx, {"src"}, nullptr, &cache), cold);
  EXPECT_EQ(SourceHashContentReads() - r1, 0u);

  struct timespec times[2] = {{2000, 0}, {2000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (ctx / "src/f7").c_str(), times, 0), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const uint64_t r2 = SourceHashContentReads();
  EXPECT_EQ(Hash(ctx, {"src"}, nullptr, &cache), cold);
  EXPECT_EQ(SourceHashContentReads() - r2, 1u);

  WriteFile(ctx / "src/f8", "CONTENT 8");  // same size, new content
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const uint64_t r3 = SourceHashContentReads();
  EXPECT_NE(Hash(ctx, {"src"}, nullptr, &cache), cold);
  EXPECT_EQ(SourceHashContentReads() - r3, 1u);
}

// A cache file with a malformed line is dropped whole: its other lines are
// not used either, so a wrong digest in them cannot leak into the hash.
TEST(SourceHashTest, CorruptDigestCacheIsIgnored) {
  TempDir t;
  const auto ctx = t.path() / "ctx";
  const auto cache = t.path() / "cache";
  WriteFile(ctx / "f", "data");
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const std::string good = Hash(ctx, {"f"}, nullptr, &cache);

  // The file the cache keeps for this context (context_digest_cache.h).
  const auto file = cache / store::Sha256Of(std::filesystem::absolute(ctx).lexically_normal().string()).hex();
  ASSERT_TRUE(std::filesystem::is_regular_file(file)) << "no cache written at " << file;
  std::string text = testing::ReadFile(file);
  const std::string hex = good.substr(good.find(':') + 1);
  const size_t at = text.find(" " + hex + " f\n");
  ASSERT_NE(at, std::string::npos) << text;
  const uint64_t r0 = SourceHashContentReads();
  EXPECT_EQ(Hash(ctx, {"f"}, nullptr, &cache), good);
  EXPECT_EQ(SourceHashContentReads() - r0, 0u);  // the intact cache is used

  text.replace(at + 1, 64, std::string(64, '0'));
  WriteFile(file, text + "1 2 3 4 nothex\n");
  EXPECT_EQ(Hash(ctx, {"f"}, nullptr, &cache), good);
  EXPECT_EQ(SourceHashContentReads() - r0, 1u);  // f was read again
}

// A file that changed between the walk's lstat and the read (grown, shrunk,
// or replaced) is read again from the start: its sum is the new content's,
// not the stale size's prefix.
TEST(SourceHashTest, FileChangedAfterItsStatIsReadAgain) {
  TempDir t;
  const auto f = t.path() / "f";
  for (const std::string now : {"a longer content than before", "short", "another file"}) {
    WriteFile(f, "some content");
    struct stat stale {};
    ASSERT_EQ(lstat(f.c_str(), &stale), 0);
    if (now == "another file") {
      WriteFile(t.path() / "g", now);
      ASSERT_EQ(rename((t.path() / "g").c_str(), f.c_str()), 0);
    } else {
      WriteFile(f, now);
    }
    const std::string fresh = Hash(t.path(), {"f"});
    Fd root(open(t.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root.valid());
    TreeSums sums(root.get(), SourceTree::kContext, nullptr, nullptr);
    const uint64_t r0 = SourceHashContentReads();
    EXPECT_EQ(sums.SourceHash("f", stale), fresh) << now;
    EXPECT_EQ(SourceHashContentReads() - r0, 1u);
  }
}

TEST(SourceHashTest, TarsumHeaderFieldOrder) {
  TarsumHeader h;
  h.name = "a.txt";
  h.mode = 0644;
  h.size = 6;
  store::Sha256 sha;
  HashTarsumHeader(h, &sha);
  sha.Update("hello\n");
  EXPECT_EQ(sha.Final().hex(), "00ec16333078d287782d462baefc8bb9eb0231dc3aefba3ca3e2f7e5cf0cadda");
}

}  // namespace
}  // namespace ubuild::builder
