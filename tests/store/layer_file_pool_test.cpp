// The pool that writes a layer's small files, and the order the applier
// keeps around it: a later entry of the tar always wins over an earlier one,
// however the earlier one's file was written.
#include "store/layer_file_pool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>
#include <vector>

#include "store/base/error.h"
#include "store/byte_stream.h"
#include "store/layer_tar.h"
#include "tests/needs_root.h"
#include "tests/store/layer_tar_test_util.h"

namespace ubuild::store {
namespace {

using testing::BuildTar;
using testing::Member;
using testing::ReadFile;
using testing::TempDir;

// Enough files ahead of the case that the applier has started its pool.
std::vector<Member> Pooled(std::vector<Member> rest) {
  std::vector<Member> all;
  for (int i = 0; i < 100; ++i) all.push_back({"pad/f" + std::to_string(i), AE_IFREG, "", "pad " + std::to_string(i)});
  all.insert(all.end(), rest.begin(), rest.end());
  return all;
}

std::string Apply(const std::vector<Member>& members, const std::filesystem::path& into) {
  return testing::ApplyError(members, into, "layer of order.tar");
}

TEST(LayerFilePool, WritesFilesAndReportsTheFirstError) {
  TempDir dir;
  auto parent = std::make_shared<Fd>(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_TRUE(parent->valid());
  LayerFilePool pool(2, 4, 64);
  for (int i = 0; i < 50; ++i) {
    LayerFilePool::File f;
    f.parent = parent;
    f.name = "f" + std::to_string(i);
    f.path = (dir / f.name).string();
    f.create_mode = 0644;
    f.meta.mode_set = true;
    f.meta.owner_set = true;
    f.meta.mtime = {1500000000 + i, 0};
    f.data = std::string(static_cast<size_t>(i), 'x');
    pool.Add(std::move(f));
  }
  pool.Wait();
  for (int i = 0; i < 50; ++i) {
    const auto p = dir / ("f" + std::to_string(i));
    EXPECT_EQ(ReadFile(p), std::string(static_cast<size_t>(i), 'x'));
    struct stat st;
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mtim.tv_sec, 1500000000 + i);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
  }

  LayerFilePool::File bad;
  bad.parent = parent;
  bad.name = "no-such-dir/f";
  bad.path = (dir / bad.name).string();
  pool.Add(std::move(bad));
  try {
    pool.Wait();
    FAIL() << "a file in a missing directory was written";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("no-such-dir/f"), std::string::npos) << e.message();
  }
}

// Threads prefer files in directories no other thread is writing in; every
// file is still written, whichever directory it is in.
TEST(LayerFilePool, WritesFilesOfManyDirectories) {
  TempDir dir;
  std::vector<std::shared_ptr<Fd>> parents;
  for (int d = 0; d < 5; ++d) {
    std::filesystem::create_directory(dir / ("d" + std::to_string(d)));
    parents.push_back(std::make_shared<Fd>(::open((dir / ("d" + std::to_string(d))).c_str(), O_RDONLY | O_DIRECTORY)));
  }
  LayerFilePool pool(3, 16);
  for (int i = 0; i < 500; ++i) {
    LayerFilePool::File f;
    f.parent = parents[static_cast<size_t>(i / 100)];
    f.name = "f" + std::to_string(i);
    f.path = (dir / f.name).string();
    f.meta.mode_set = f.meta.owner_set = true;
    f.data = std::to_string(i);
    pool.Add(std::move(f));
  }
  pool.Wait();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(ReadFile(dir / ("d" + std::to_string(i / 100)) / ("f" + std::to_string(i))), std::to_string(i));
  }
}

TEST(LayerTarApplierOrder, LaterEntriesWinOverPooledOnes) {
  UBUILD_SKIP_UNLESS_ROOT("applying a tar chowns each entry to its owner (0:0)");
  TempDir dst;
  const std::string big(3 << 20, 'B');  // above the pool's size: written by the reader
  ASSERT_EQ(Apply(Pooled({{"same", AE_IFREG, "", "first"},
                          {"same", AE_IFREG, "", "second"},
                          {"file-then-dir", AE_IFREG, "", "f"},
                          {"file-then-dir/", AE_IFDIR, "", ""},
                          {"file-then-dir/inner", AE_IFREG, "", "inner"},
                          {"dir-then-link/", AE_IFDIR, "", ""},
                          {"dir-then-link/a", AE_IFREG, "", "a"},
                          {"dir-then-link/b", AE_IFREG, "", "b"},
                          {"dir-then-link", AE_IFLNK, "elsewhere", ""},
                          {"target", AE_IFREG, "", "linked"},
                          {"hard", AE_IFREG, "target", "", true},
                          {"gone", AE_IFREG, "", "soon whited out"},
                          {".wh.gone", AE_IFREG, "", ""},
                          {"big", AE_IFREG, "", big},
                          {"pad/f7", AE_IFREG, "", "replaced late"}}),
                  dst.path()),
            "");
  EXPECT_EQ(ReadFile(dst / "same"), "second");
  EXPECT_EQ(ReadFile(dst / "file-then-dir/inner"), "inner");
  struct stat st;
  ASSERT_EQ(::lstat((dst / "dir-then-link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  struct stat a, b;
  ASSERT_EQ(::stat((dst / "target").c_str(), &a), 0);
  ASSERT_EQ(::stat((dst / "hard").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(ReadFile(dst / "hard"), "linked");
  ASSERT_EQ(::lstat((dst / "gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_EQ(ReadFile(dst / "big"), big);
  EXPECT_EQ(ReadFile(dst / "pad/f7"), "replaced late");
  EXPECT_EQ(ReadFile(dst / "pad/f99"), "pad 99");
}

TEST(LayerTarApplierOrder, APooledFileIsNoParent) {
  UBUILD_SKIP_UNLESS_ROOT("applying a tar chowns each entry to its owner (0:0)");
  TempDir dst;
  const std::string err = Apply(Pooled({{"plain", AE_IFREG, "", "a file"}, {"plain/child", AE_IFREG, "", "x"}}), dst.path());
  EXPECT_NE(err.find("parent plain is not a directory"), std::string::npos) << err;
  EXPECT_NE(err.find("layer of order.tar"), std::string::npos) << err;
}

}  // namespace
}  // namespace ubuild::store
