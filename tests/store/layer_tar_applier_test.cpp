#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include <cstring>
#include <map>

#include "store/base/error.h"
#include "store/layer_tar.h"
#include "store/tar_split.h"
#include "store/xattrs.h"
#include "tests/needs_root.h"
#include "tests/store/layer_tar_test_util.h"

namespace ubuild::store {
namespace {

using testing::ApplyError;
using testing::BuildTar;
using testing::MakeWhiteout;
using testing::Member;
using testing::ReadFile;
using testing::SetXattr;
using testing::TempDir;
using testing::WriteFile;

void SetMtime(const std::filesystem::path& p, int64_t t) {
  struct timespec ts[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << p;
}

// Everything about a path the layer format promises to keep.
struct Node {
  mode_t mode;
  uid_t uid;
  gid_t gid;
  int64_t mtime;
  dev_t rdev;
  std::string content;  // file data or symlink target
  std::vector<std::pair<std::string, std::string>> xattrs;
  int link_group;  // paths sharing an inode share this number (0: unshared)
  bool operator==(const Node&) const = default;
};

std::map<std::string, Node> Snapshot(const std::filesystem::path& root) {
  std::map<std::string, Node> out;
  std::map<std::pair<dev_t, ino_t>, int> groups;
  for (auto it = std::filesystem::recursive_directory_iterator(root); it != std::filesystem::recursive_directory_iterator();
       ++it) {
    std::string rel = std::filesystem::relative(it->path(), root).string();
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) throw std::runtime_error("lstat " + rel);
    Node n{st.st_mode, st.st_uid, st.st_gid, st.st_mtim.tv_sec, S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? st.st_rdev : 0,
           {}, ReadXattrs(it->path()), 0};
    if (S_ISREG(st.st_mode)) n.content = ReadFile(it->path());
    if (S_ISLNK(st.st_mode)) n.content = std::filesystem::read_symlink(it->path()).string();
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [g, inserted] = groups.try_emplace({st.st_dev, st.st_ino}, static_cast<int>(groups.size()) + 1);
      n.link_group = g->second;
    }
    out[rel] = std::move(n);
  }
  return out;
}

// `pooled`: that many files sorted ahead of the rest, so that the
// applier has handed its first files over and every kind below meets its pool.
void MakeEveryKind(const std::filesystem::path& root, int pooled = 0) {
  namespace fs = std::filesystem;
  if (pooled > 0) fs::create_directories(root / "aaa-pooled");
  for (int i = 0; i < pooled; ++i) {
    const fs::path f = root / "aaa-pooled" / ("f" + std::to_string(i));
    WriteFile(f, std::string(static_cast<size_t>(i * 37), 'p'), i % 3 == 0 ? 0640 : 0755);
    ASSERT_EQ(::lchown(f.c_str(), static_cast<uid_t>(i % 4), static_cast<gid_t>(i % 5)), 0);
    if (i % 7 == 0) {
      ASSERT_EQ(::chmod(f.c_str(), 04750), 0);
    }
    if (i % 11 == 0) SetXattr(f, "user.n", std::to_string(i));
  }
  fs::create_directories(root / "usr/bin");
  fs::create_directories(root / "opaque/sub");
  fs::create_directories(root / "deleted-in");
  WriteFile(root / "usr/bin/tool", "#!/bin/sh\necho tool\n", 0755);
  ASSERT_EQ(::chmod((root / "usr/bin/tool").c_str(), 04755), 0);
  WriteFile(root / "usr/bin/owned", "owned", 0640);
  ASSERT_EQ(::lchown((root / "usr/bin/owned").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::link((root / "usr/bin/tool").c_str(), (root / "usr/bin/tool-again").c_str()), 0);
  ASSERT_EQ(::link((root / "usr/bin/tool").c_str(), (root / "opaque/third-link").c_str()), 0);
  ASSERT_EQ(::symlink("bin/tool", (root / "usr/tool-link").c_str()), 0);
  ASSERT_EQ(::symlink("/absolute/dangling", (root / "dangling").c_str()), 0);
  ASSERT_EQ(::lchown((root / "dangling").c_str(), 7, 8), 0);
  ASSERT_EQ(::mkfifo((root / "usr/fifo").c_str(), 0620), 0);
  ASSERT_EQ(::chmod((root / "usr/fifo").c_str(), 0620), 0);
  ASSERT_EQ(::mknod((root / "usr/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::chmod((root / "usr/null").c_str(), 0666), 0);
  ASSERT_EQ(::mknod((root / "usr/loop").c_str(), S_IFBLK | 0660, makedev(7, 1)), 0);
  MakeWhiteout(root / "deleted-in/gone");
  MakeWhiteout(root / "gone-too");
  SetXattr(root / "opaque", "trusted.overlay.opaque", "y");
  WriteFile(root / "opaque/sub/file", std::string(300000, 'q'));
  SetXattr(root / "usr/bin/owned", "user.mime", "text/plain");
  SetXattr(root / "usr/bin/owned", "user.bin", std::string("\0\x01\xff", 3));
  SetXattr(root / "usr", "user.dir-attr", "d");
  SetXattr(root / "usr/bin/tool", "security.capability", std::string("\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20));
  ASSERT_EQ(::chmod((root / "opaque").c_str(), 01777), 0);
  ASSERT_EQ(::chown((root / "opaque").c_str(), 99, 98), 0);
  ASSERT_EQ(::chmod((root / "opaque").c_str(), 01777), 0);
  int64_t t = 1400000000;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    SetMtime(it->path(), t += 1000);
  }
  // Directories last, as their mtimes moved when children were touched.
  for (const char* d : {"usr/bin", "usr", "opaque/sub", "opaque", "deleted-in"}) SetMtime(root / d, t += 1000);
  if (pooled > 0) SetMtime(root / "aaa-pooled", t += 1000);
}

class LayerTarApplierRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(LayerTarApplierRoundTrip, KeepsEveryKindOfFile) {
  UBUILD_SKIP_UNLESS_ROOT("chown to other users and mknod of device nodes");
  TempDir src, dst;
  MakeEveryKind(src.path(), GetParam());
  StringSink tar;
  LayerTarResult written = WriteLayerTar(src.path(), &tar, nullptr);
  StringSource in(tar.out);
  LayerTarResult applied = ApplyLayerTar(in, dst.path(), nullptr, "round trip");
  EXPECT_EQ(applied.diff_id, written.diff_id);
  EXPECT_EQ(applied.tar_size, written.tar_size);
  EXPECT_EQ(applied.content_size, written.content_size);

  auto want = Snapshot(src.path());
  auto got = Snapshot(dst.path());
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [path, node] : want) {
    ASSERT_TRUE(got.count(path)) << path;
    const Node& g = got[path];
    EXPECT_EQ(g.mode, node.mode) << path;
    EXPECT_EQ(g.uid, node.uid) << path;
    EXPECT_EQ(g.gid, node.gid) << path;
    EXPECT_EQ(g.mtime, node.mtime) << path;
    EXPECT_EQ(g.rdev, node.rdev) << path;
    EXPECT_EQ(g.content, node.content) << path;
    EXPECT_EQ(g.xattrs, node.xattrs) << path;
    EXPECT_EQ(g.link_group, node.link_group) << path;
  }
  // And the applied tree gives the same layer again.
  EXPECT_EQ(WriteLayerTar(dst.path(), nullptr, nullptr).diff_id, written.diff_id);
}

// 0: every file written by the reading thread; 200: most by the pool.
INSTANTIATE_TEST_SUITE_P(LayerTarApplier, LayerTarApplierRoundTrip, ::testing::Values(0, 200));

TEST(LayerTarApplier, ReadsTrailingPaddingIntoTheDigest) {
  TempDir src, dst;
  WriteFile(src / "f", "data");
  StringSink tar;
  WriteLayerTar(src.path(), &tar, nullptr);
  std::string padded = tar.out + std::string(10240 - tar.out.size() % 10240, '\0');
  StringSource in(padded);
  LayerTarResult r = ApplyLayerTar(in, dst.path(), nullptr, "padded");
  EXPECT_EQ(r.diff_id, Sha256Of(padded));
  EXPECT_EQ(r.tar_size, padded.size());
  EXPECT_EQ(ReadFile(dst / "f"), "data");
}

TEST(LayerTarApplier, RejectsEscapes) {
  UBUILD_SKIP_UNLESS_ROOT("applying a tar chowns each entry to its owner (0:0)");
  TempDir outer;
  const std::string victim = "ubuild-victim-" + std::to_string(::getpid());
  auto fresh = [&](const std::string& name) {
    std::filesystem::path p = outer / name;
    std::filesystem::create_directory(p);
    return p;
  };
  std::string err = ApplyError({{"../" + victim, AE_IFREG, "", "x"}}, fresh("dotdot"));
  EXPECT_NE(err.find("layer of hostile.tar"), std::string::npos) << err;
  EXPECT_NE(err.find("../" + victim), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(outer / victim));

  err = ApplyError({{"a/../../" + victim, AE_IFREG, "", "x"}}, fresh("dotdot2"));
  EXPECT_NE(err.find(".."), std::string::npos) << err;

  err = ApplyError({{"/tmp/" + victim, AE_IFREG, "", "x"}}, fresh("absolute"));
  EXPECT_NE(err.find("absolute"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + victim));

  std::filesystem::create_directory(outer / "target");
  err = ApplyError({{"a", AE_IFLNK, (outer / "target").string(), ""}, {"a/evil", AE_IFREG, "", "x"}}, fresh("symlink"));
  EXPECT_NE(err.find("symlink"), std::string::npos) << err;
  EXPECT_NE(err.find("a/evil"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(outer / "target/evil"));

  err = ApplyError({{"up", AE_IFLNK, "..", ""}, {"up/" + victim, AE_IFREG, "", "x"}}, fresh("symlink-up"));
  EXPECT_NE(err.find("symlink"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(outer / victim));

  WriteFile(outer / "secret", "s");
  err = ApplyError({{"h", AE_IFREG, "../secret", "", true}}, fresh("hardlink-up"));
  EXPECT_NE(err.find("\"h\""), std::string::npos) << err;
  err = ApplyError({{"h", AE_IFREG, (outer / "secret").string(), "", true}}, fresh("hardlink-abs"));
  EXPECT_NE(err.find("absolute"), std::string::npos) << err;
  err = ApplyError({{"s", AE_IFLNK, outer.path().string(), ""}, {"h", AE_IFREG, "s/secret", "", true}},
                   fresh("hardlink-through-symlink"));
  EXPECT_NE(err.find("not inside the layer"), std::string::npos) << err;
  EXPECT_EQ(ReadFile(outer / "secret"), "s");
  struct stat st;
  ASSERT_EQ(::stat((outer / "secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);

  // Plain symlinks may point anywhere; they are never followed.
  EXPECT_EQ(ApplyError({{"ok", AE_IFLNK, "/etc/passwd", ""}, {"d/f", AE_IFREG, "", "implicit parent"}}, fresh("fine")), "");
  EXPECT_EQ(ReadFile(outer / "fine/d/f"), "implicit parent");
}

TEST(LayerTarApplier, WhiteoutsBecomeOverlayFormat) {
  UBUILD_SKIP_UNLESS_ROOT("whiteouts are device nodes (mknod)");
  TempDir dst;
  StringSource in(BuildTar({{"dir/", AE_IFDIR, "", ""},
                            {"dir/.wh..wh..opq", AE_IFREG, "", ""},
                            {"dir/.wh.old", AE_IFREG, "", ""},
                            {".wh.top", AE_IFREG, "", ""}}));
  ApplyLayerTar(in, dst.path(), nullptr, "whiteouts");
  struct stat st;
  ASSERT_EQ(::lstat((dst / "dir/old").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  ASSERT_EQ(::lstat((dst / "top").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_FALSE(std::filesystem::exists(dst / "dir/.wh..wh..opq"));
  EXPECT_FALSE(std::filesystem::exists(dst / "dir/.wh.old"));
  char v[8];
  ASSERT_EQ(::lgetxattr((dst / "dir").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_EQ(v[0], 'y');
}

TEST(LayerTarApplier, RejectsGarbage) {
  TempDir dst;
  StringSource in(std::string(3000, 'x'));
  EXPECT_THROW(ApplyLayerTar(in, dst.path(), nullptr, "garbage"), Error);
  std::string truncated = BuildTar({{"f", AE_IFREG, "", std::string(5000, 'a')}}).substr(0, 2048);
  TempDir dst2;
  StringSource in2(truncated);
  EXPECT_THROW(ApplyLayerTar(in2, dst2.path(), nullptr, "truncated"), Error);
}

// Generates a ustar stream of `count` empty files without holding it.
class TarBomb : public ByteSource {
 public:
  explicit TarBomb(int count) : count_(count) {}
  size_t Read(void* data, size_t len) override {
    size_t done = 0;
    char* out = static_cast<char*>(data);
    while (done < len) {
      if (pos_ == block_.size()) {
        if (next_ < count_) {
          block_ = Header("bomb/f" + std::to_string(next_++));
        } else if (!ended_) {
          block_.assign(1024, '\0');
          ended_ = true;
        } else {
          break;
        }
        pos_ = 0;
      }
      size_t n = std::min(len - done, block_.size() - pos_);
      std::memcpy(out + done, block_.data() + pos_, n);
      pos_ += n;
      done += n;
    }
    return done;
  }

 private:
  static std::string Header(const std::string& name) {
    std::string h(512, '\0');
    std::memcpy(&h[0], name.data(), name.size());
    std::memcpy(&h[100], "0000644", 7);
    std::memcpy(&h[108], "0000000", 7);
    std::memcpy(&h[116], "0000000", 7);
    std::memcpy(&h[124], "00000000000", 11);
    std::memcpy(&h[136], "00000000000", 11);
    h[156] = '0';
    std::memcpy(&h[257], "ustar\0" "00", 8);
    std::memset(&h[148], ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    snprintf(&h[148], 8, "%06o", sum);
    h[155] = ' ';
    return h;
  }
  int count_;
  int next_ = 0;
  bool ended_ = false;
  std::string block_;
  size_t pos_ = 0;
};

long MaxRssKiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

TEST(LayerTarApplier, TarBombOf100kEmptyFilesRunsInBoundedMemory) {
  UBUILD_SKIP_UNLESS_ROOT("applying a tar chowns each entry to its owner (0:0)");
  TempDir dst, meta;
  const long before = MaxRssKiB();
  TarBomb bomb(100000);
  TarSplitWriter split(meta / "ts.json.gz");
  LayerTarResult r = ApplyLayerTar(bomb, dst.path(), &split, "bomb");
  split.Close();
  const long after = MaxRssKiB();
  EXPECT_EQ(r.tar_size, 100000u * 512 + 1024);
  EXPECT_EQ(r.content_size, 0u);
  EXPECT_TRUE(std::filesystem::exists(dst / "bomb/f99999"));
  EXPECT_LT(after - before, 32 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
}

// Files are created with their final mode and owner when the creator's own
// defaults give them; these are the near misses that still need the chmod or
// chown: a setgid parent's group, modes the umask cuts, special bits.
TEST(LayerTarApplier, KeepsModesAndOwnersTheCreatorWouldNotGive) {
  UBUILD_SKIP_UNLESS_ROOT("chown to other users");
  namespace fs = std::filesystem;
  TempDir src, dst;
  fs::create_directories(src / "shared/inner");
  WriteFile(src / "plain", "p", 0644);
  WriteFile(src / "wide", "w", 0666);
  WriteFile(src / "setid", "s", 0755);
  ASSERT_EQ(::chmod((src / "setid").c_str(), 06755), 0);
  ASSERT_EQ(::chown((src / "shared").c_str(), 0, 4242), 0);
  ASSERT_EQ(::chmod((src / "shared").c_str(), 02775), 0);
  WriteFile(src / "shared/group-of-dir", "g", 0640);
  ASSERT_EQ(::chown((src / "shared/group-of-dir").c_str(), 0, 4242), 0);
  WriteFile(src / "shared/root-group", "r", 0640);
  ASSERT_EQ(::chown((src / "shared/root-group").c_str(), 0, 0), 0);
  WriteFile(src / "shared/inner/nested", "n", 0600);
  ASSERT_EQ(::chown((src / "shared/inner/nested").c_str(), 0, 0), 0);
  WriteFile(src / "other-user", "o", 0644);
  ASSERT_EQ(::chown((src / "other-user").c_str(), 1000, 0), 0);
  StringSink tar;
  WriteLayerTar(src.path(), &tar, nullptr);
  const mode_t old_umask = ::umask(027);  // cuts 0644 and 0666 alike
  StringSource in(tar.out);
  ApplyLayerTar(in, dst.path(), nullptr, "near misses");
  ::umask(old_umask);
  auto want = Snapshot(src.path());
  auto got = Snapshot(dst.path());
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [path, node] : want) {
    ASSERT_TRUE(got.count(path)) << path;
    EXPECT_EQ(got[path].mode, node.mode) << path;
    EXPECT_EQ(got[path].uid, node.uid) << path;
    EXPECT_EQ(got[path].gid, node.gid) << path;
  }
}

}  // namespace
}  // namespace ubuild::store
