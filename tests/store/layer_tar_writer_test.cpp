#include <gtest/gtest.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include <clocale>
#include <optional>

#include "store/digest.h"
#include "store/base/error.h"
#include "store/layer_tar.h"
#include "tests/needs_root.h"
#include "tests/store/layer_tar_test_util.h"

namespace ubuild::store {
namespace {

using testing::ListTar;
using testing::MakeWhiteout;
using testing::SetXattr;
using testing::TarMember;
using testing::TempDir;
using testing::WriteFile;

void SetMtime(const std::filesystem::path& p, int64_t t) {
  struct timespec ts[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << p;
}

const TarMember* Find(const std::vector<TarMember>& members, const std::string& name) {
  for (const auto& m : members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(LayerTarWriter, EmptyDirectoryIsDockersEmptyLayer) {
  TempDir dir;
  StringSink out;
  LayerTarResult r = WriteLayerTar(dir.path(), &out, nullptr);
  EXPECT_EQ(out.out, std::string(1024, '\0'));
  EXPECT_EQ(r.diff_id.str(), kEmptyLayerDiffId);
  EXPECT_EQ(r.tar_size, 1024u);
  EXPECT_EQ(r.content_size, 0u);
}

TEST(LayerTarWriter, HashOnlyMatchesWrittenBytes) {
  TempDir dir;
  WriteFile(dir / "f", std::string(100000, 'x'));
  std::filesystem::create_directory(dir / "d");
  WriteFile(dir / "d/g", "hello");
  StringSink out;
  LayerTarResult written = WriteLayerTar(dir.path(), &out, nullptr);
  LayerTarResult hashed = WriteLayerTar(dir.path(), nullptr, nullptr);
  EXPECT_EQ(written.diff_id, Sha256Of(out.out));
  EXPECT_EQ(hashed.diff_id, written.diff_id);
  EXPECT_EQ(written.tar_size, out.out.size());
  EXPECT_EQ(written.content_size, 100005u);
  // No record padding: the stream ends right after the two zero blocks.
  EXPECT_EQ(out.out.size() % 512, 0u);
  EXPECT_EQ(out.out.substr(out.out.size() - 1024), std::string(1024, '\0'));
  EXPECT_NE(out.out.substr(out.out.size() - 1536, 512), std::string(512, '\0'));
}

TEST(LayerTarWriter, OrderIsParentsFirstThenNameBytes) {
  TempDir dir;
  std::filesystem::create_directories(dir / "a/b");
  WriteFile(dir / "a/b/z", "z");
  WriteFile(dir / "a/B", "B");
  WriteFile(dir / "a-c", "c");
  WriteFile(dir / "\xc3\xa9", "e-acute");
  WriteFile(dir / "Z", "Z");
  StringSink out;
  WriteLayerTar(dir.path(), &out, nullptr);
  std::vector<std::string> names;
  for (const auto& m : ListTar(out.out)) names.push_back(m.name);
  // A directory's subtree follows it directly (a/ before a-c, as Docker's
  // filepath.Walk does); siblings are in byte order.
  std::vector<std::string> want = {"Z", "a/", "a/B", "a/b/", "a/b/z", "a-c", "\xc3\xa9"};
  EXPECT_EQ(names, want);
}

TEST(LayerTarWriter, EntryHeaders) {
  UBUILD_SKIP_UNLESS_ROOT("chown to other users");
  TempDir dir;
  std::filesystem::create_directory(dir / "dir");
  ASSERT_EQ(::chmod((dir / "dir").c_str(), 02755), 0);
  ASSERT_EQ(::chown((dir / "dir").c_str(), 1000, 1001), 0);
  WriteFile(dir / "dir/file", "content", 04755);
  ASSERT_EQ(::chown((dir / "dir/file").c_str(), 12345, 54321), 0);
  ASSERT_EQ(::chmod((dir / "dir/file").c_str(), 04755), 0);
  ASSERT_EQ(::link((dir / "dir/file").c_str(), (dir / "dir/hard").c_str()), 0);
  ASSERT_EQ(::symlink("../elsewhere/x", (dir / "dir/sym").c_str()), 0);
  ASSERT_EQ(::mkfifo((dir / "dir/fifo").c_str(), 0640), 0);
  ASSERT_EQ(::mknod((dir / "dir/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::chmod((dir / "dir/null").c_str(), 0666), 0);
  ASSERT_EQ(::mknod((dir / "dir/blk").c_str(), S_IFBLK | 0600, makedev(7, 0)), 0);
  MakeWhiteout(dir / "dir/gone");
  SetXattr(dir / "dir/file", "user.color", "blue");
  SetXattr(dir / "dir/file", "trusted.overlay.origin", "dropped");
  SetXattr(dir / "dir", "trusted.overlay.opaque", "y");
  SetMtime(dir / "dir/gone", 1600000000);
  SetMtime(dir / "dir", 1500000000);

  StringSink out;
  LayerTarResult r = WriteLayerTar(dir.path(), &out, nullptr);
  // Docker's layer size: the hard link's inode counts once, the symlink its target's 14 bytes.
  EXPECT_EQ(r.content_size, 7u + 14u);
  auto members = ListTar(out.out);
  std::vector<std::string> names;
  for (const auto& m : members) names.push_back(m.name);
  std::vector<std::string> want = {"dir/",     "dir/.wh..wh..opq", "dir/blk",  "dir/fifo",
                                   "dir/file", "dir/.wh.gone",     "dir/hard", "dir/null", "dir/sym"};
  EXPECT_EQ(names, want);

  const TarMember* d = Find(members, "dir/");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->mode, S_IFDIR | 02755);
  EXPECT_EQ(d->uid, 1000);
  EXPECT_EQ(d->gid, 1001);
  EXPECT_EQ(d->mtime, 1500000000);
  EXPECT_TRUE(d->xattrs.empty());  // trusted.overlay.opaque is not carried over

  const TarMember* opq = Find(members, "dir/.wh..wh..opq");
  ASSERT_TRUE(opq);
  EXPECT_EQ(opq->mode, S_IFREG | 0755);
  EXPECT_EQ(opq->uid, 1000);
  EXPECT_EQ(opq->gid, 1001);
  EXPECT_EQ(opq->size, 0);

  const TarMember* wh = Find(members, "dir/.wh.gone");
  ASSERT_TRUE(wh);
  EXPECT_EQ(wh->mode, S_IFREG | 0600);
  EXPECT_EQ(wh->uid, 0);
  EXPECT_EQ(wh->gid, 0);
  EXPECT_EQ(wh->size, 0);
  EXPECT_EQ(wh->mtime, 1600000000);

  const TarMember* f = Find(members, "dir/file");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->mode, S_IFREG | 04755);
  EXPECT_EQ(f->uid, 12345);
  EXPECT_EQ(f->gid, 54321);
  EXPECT_EQ(f->data, "content");
  EXPECT_FALSE(f->has_uname);
  std::map<std::string, std::string> want_xattrs = {{"user.color", "blue"}};
  EXPECT_EQ(f->xattrs, want_xattrs);

  const TarMember* h = Find(members, "dir/hard");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->hardlink, "dir/file");
  EXPECT_EQ(h->size, 0);

  const TarMember* s = Find(members, "dir/sym");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->symlink, "../elsewhere/x");
  EXPECT_EQ(Find(members, "dir/fifo")->mode, S_IFIFO | 0640);
  const TarMember* null = Find(members, "dir/null");
  EXPECT_EQ(null->mode, S_IFCHR | 0666);
  EXPECT_EQ(null->rdev_major, 1u);
  EXPECT_EQ(null->rdev_minor, 3u);
  EXPECT_EQ(Find(members, "dir/blk")->mode, S_IFBLK | 0600);

  // xattrs only as SCHILY.xattr, like Go's archive/tar; no uname/gname.
  EXPECT_NE(out.out.find("SCHILY.xattr.user.color=blue"), std::string::npos);
  EXPECT_EQ(out.out.find("LIBARCHIVE"), std::string::npos);
  EXPECT_EQ(out.out.find("trusted.overlay"), std::string::npos);
  EXPECT_EQ(out.out.find("root"), std::string::npos);
}

// Docker's overlay whiteout converter builds the opaque marker's header from
// scratch: the directory's permission bits and owner, but no ModTime, and Go's
// tar writer stores a zero time.Time as 0. So the marker's mtime is 0 whatever
// the directory's, and a SOURCE_DATE_EPOCH clamp leaves it alone.
TEST(LayerTarWriter, OpaqueMarkerHasZeroMtime) {
  UBUILD_SKIP_UNLESS_ROOT("trusted.overlay.opaque xattr");
  TempDir dir;
  std::filesystem::create_directory(dir / "opq");
  WriteFile(dir / "opq/kept", "k");
  SetXattr(dir / "opq", "trusted.overlay.opaque", "y");
  SetMtime(dir / "opq/kept", 1500000000);
  SetMtime(dir / "opq", 1500000000);
  for (std::optional<int64_t> clamp : {std::optional<int64_t>(), std::optional<int64_t>(1400000000)}) {
    SCOPED_TRACE(clamp ? "clamped" : "not clamped");
    LayerTarOptions options;
    options.clamp_mtime = clamp;
    StringSink out;
    WriteLayerTar(dir.path(), &out, nullptr, options);
    auto members = ListTar(out.out);
    const TarMember* d = Find(members, "opq/");
    const TarMember* marker = Find(members, "opq/.wh..wh..opq");
    ASSERT_TRUE(d);
    ASSERT_TRUE(marker);
    EXPECT_EQ(d->mtime, clamp.value_or(1500000000));
    EXPECT_EQ(marker->mtime, 0);
  }
}

TEST(LayerTarWriter, PlainUstarHeaderWhenNothingNeedsPax) {
  TempDir dir;
  WriteFile(dir / "f", "x");
  StringSink out;
  WriteLayerTar(dir.path(), &out, nullptr);
  ASSERT_GE(out.out.size(), 512u);
  EXPECT_EQ(out.out.substr(0, 2), std::string("f\0", 2));
  EXPECT_EQ(out.out.substr(257, 6), std::string("ustar\0", 6));
  EXPECT_EQ(out.out[156], '0');
  EXPECT_EQ(out.out.size(), 512u + 512u + 1024u);
}

TEST(LayerTarWriter, LongNamesSurvive) {
  TempDir dir;
  std::string deep = std::string(120, 'd');
  std::filesystem::create_directory(dir / deep);
  std::string leaf = std::string(200, 'f');
  WriteFile(dir / deep / leaf, "long");
  ASSERT_EQ(::symlink((std::string(150, 't')).c_str(), (dir / deep / "link").c_str()), 0);
  StringSink out;
  WriteLayerTar(dir.path(), &out, nullptr);
  auto members = ListTar(out.out);
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].name, deep + "/");
  EXPECT_EQ(members[1].name, deep + "/" + leaf);
  EXPECT_EQ(members[1].data, "long");
  EXPECT_EQ(members[2].symlink, std::string(150, 't'));
}

TEST(LayerTarWriter, ClampsMtimes) {
  TempDir dir;
  WriteFile(dir / "new", "n");
  WriteFile(dir / "old", "o");
  SetMtime(dir / "new", 2000000000);
  SetMtime(dir / "old", 1000000000);
  LayerTarOptions options;
  options.clamp_mtime = 1500000000;
  StringSink out;
  WriteLayerTar(dir.path(), &out, nullptr, options);
  auto members = ListTar(out.out);
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].mtime, 1500000000);
  EXPECT_EQ(members[1].mtime, 1000000000);
}

TEST(LayerTarWriter, SameTreeSameDigest) {
  TempDir a, b;
  for (const TempDir* d : {&a, &b}) {
    std::filesystem::create_directory(d->path() / "x");
    WriteFile(d->path() / "x/1", "one");
    WriteFile(d->path() / "2", "two");
    SetMtime(d->path() / "x/1", 1234);
    SetMtime(d->path() / "2", 1234);
    SetMtime(d->path() / "x", 1234);
  }
  EXPECT_EQ(WriteLayerTar(a.path(), nullptr, nullptr).diff_id, WriteLayerTar(b.path(), nullptr, nullptr).diff_id);
}

TEST(LayerTarWriter, BytesDoNotDependOnTheLocale) {
  TempDir dir;
  WriteFile(dir / "caf\xc3\xa9", "utf-8 name");
  WriteFile(dir / "latin\xff", "not utf-8");
  std::string previous = std::setlocale(LC_ALL, nullptr);
  std::setlocale(LC_ALL, "C");
  StringSink in_c;
  WriteLayerTar(dir.path(), &in_c, nullptr);
  ASSERT_NE(std::setlocale(LC_ALL, "C.UTF-8"), nullptr);
  StringSink in_utf8;
  WriteLayerTar(dir.path(), &in_utf8, nullptr);
  std::setlocale(LC_ALL, previous.c_str());
  EXPECT_TRUE(in_c.out == in_utf8.out);
  // The UTF-8 name is stored as Go's archive/tar stores it: a plain PAX path.
  EXPECT_NE(in_c.out.find("path=caf\xc3\xa9\n"), std::string::npos);
}

TEST(LayerTarWriter, MissingDirectoryIsAnError) {
  EXPECT_THROW(WriteLayerTar("/tmp/ubuild-no-such-dir-for-test", nullptr, nullptr), Error);
}

TEST(LayerTarWriter, GnuTarReadsIt) {
  TempDir dir, out_dir;
  std::filesystem::create_directories(dir / "a/b");
  WriteFile(dir / "a/b/c", "payload");
  StringSink out;
  WriteLayerTar(dir.path(), &out, nullptr);
  WriteFile(out_dir / "layer.tar", out.out);
  testing::Run("mkdir " + (out_dir / "x").string() + " && tar -xf " + (out_dir / "layer.tar").string() + " -C " +
               (out_dir / "x").string());
  EXPECT_EQ(testing::ReadFile(out_dir / "x/a/b/c"), "payload");
}

}  // namespace
}  // namespace ubuild::store
