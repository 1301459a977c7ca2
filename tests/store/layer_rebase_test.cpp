#include "store/layer_rebase.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/layout.h"
#include "store/xattrs.h"
#include "store/store.h"
#include "tests/store/layer_tar_test_util.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

void Put(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

ino_t InodeOf(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) throw std::runtime_error("lstat " + p.string());
  return st.st_ino;
}

// Every entry below `dir` with what an overlay mount shows of it: type and
// mode, owner, size, device, mtime to the nanosecond, link target, xattrs
// and content.
std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) != 0) throw std::runtime_error("lstat " + e.path().string());
    std::string line = fs::relative(e.path(), dir).string() + " " + std::to_string(st.st_mode) + " " +
                       std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + " " + std::to_string(st.st_size) +
                       " " + std::to_string(st.st_rdev) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                       std::to_string(st.st_mtim.tv_nsec);
    if (S_ISLNK(st.st_mode)) line += " -> " + fs::read_symlink(e.path()).string();
    for (const auto& [name, value] : ReadXattrs(e.path().string())) line += " " + name + "=" + value;
    if (S_ISREG(st.st_mode)) line += " " + ReadFile(e.path());
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LayerRebaseTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  Store store_ = Store::Open(dir_.path() / "root", Store::Mode::kWrite);
  LayerStore& layers_ = store_.layers();

  Layer CommitFiles(const std::map<std::string, std::string>& files, const std::optional<Digest>& parent) {
    PendingLayer p = layers_.CreatePending();
    for (const auto& [name, content] : files) Put(p.diff_dir / name, content);
    auto layer = layers_.Commit(p, parent);
    if (!layer) throw Error("unexpected empty layer");
    return *layer;
  }

  // `source` copied and registered on `parent`, as a --link rebase does.
  Layer Rebase(const Layer& source, const std::optional<Digest>& parent) {
    PendingLayer p = layers_.CreatePending();
    try {
      PreparedLayer prepared = PrepareLayerCopy(store_.root(), source, p);
      return layers_.Finish(p, prepared, parent);
    } catch (...) {
      layers_.Discard(p);
      throw;
    }
  }
};

TEST_F(LayerRebaseTest, SameDiffOnAnotherParentSharesOnlyFileInodes) {
  if (::geteuid() != 0) GTEST_SKIP() << "whiteouts (mknod) and trusted.* xattrs need root";
  Layer base_a = CommitFiles({{"a", "1"}}, std::nullopt);
  Layer base_b = CommitFiles({{"b", "2"}}, std::nullopt);
  // Every kind of entry a diff holds: files small and large, a hard link, a
  // symlink, a whiteout, an opaque directory, a mode, an owner, an xattr.
  PendingLayer p = layers_.CreatePending();
  Put(p.diff_dir / "app/docs/a.md", "doc");
  Put(p.diff_dir / "app/run.sh", "#!/bin/sh\n");
  Put(p.diff_dir / "app/big.bin", std::string(300000, 'b'));  // past the read/write size: copy_file_range
  ::chmod((p.diff_dir / "app/run.sh").c_str(), 0755);
  ASSERT_EQ(::lchown((p.diff_dir / "app/run.sh").c_str(), 1000, 1000), 0);
  testing::SetXattr(p.diff_dir / "app/run.sh", "user.note", "kept");
  fs::create_hard_link(p.diff_dir / "app/docs/a.md", p.diff_dir / "app/docs/same.md");
  fs::create_symlink("docs/a.md", p.diff_dir / "app/readme");
  testing::MakeWhiteout(p.diff_dir / "a");
  fs::create_directories(p.diff_dir / "opaque");
  testing::SetXattr(p.diff_dir / "opaque", "trusted.overlay.opaque", "y");
  std::optional<Layer> source = layers_.Commit(p, base_a.chain_id);
  ASSERT_TRUE(source);

  Layer copy = Rebase(*source, base_b.chain_id);
  EXPECT_EQ(copy.diff_id, source->diff_id);
  EXPECT_EQ(copy.parent, base_b.chain_id);
  EXPECT_EQ(copy.chain_id, NextChainId(base_b.chain_id, source->diff_id));
  EXPECT_EQ(copy.size, source->size);
  EXPECT_NE(copy.cache_id, source->cache_id);
  EXPECT_NE(copy.link, source->link);
  // Regular files are the source's inodes under new names; directories,
  // symlinks and whiteouts are the copy's own.
  EXPECT_EQ(InodeOf(copy.diff_dir / "app/docs/a.md"), InodeOf(source->diff_dir / "app/docs/a.md"));
  EXPECT_EQ(InodeOf(copy.diff_dir / "app/big.bin"), InodeOf(source->diff_dir / "app/big.bin"));
  EXPECT_NE(InodeOf(copy.diff_dir / "app/docs"), InodeOf(source->diff_dir / "app/docs"));
  EXPECT_NE(InodeOf(copy.diff_dir / "app/readme"), InodeOf(source->diff_dir / "app/readme"));
  EXPECT_NE(InodeOf(copy.diff_dir / "a"), InodeOf(source->diff_dir / "a"));
  EXPECT_EQ(InodeOf(copy.diff_dir / "app/docs/a.md"), InodeOf(copy.diff_dir / "app/docs/same.md"))
      << "a hard link within the layer stays one";
  EXPECT_EQ(ReadFile(layout::CacheLowerFile(store_.root(), copy.cache_id)), "l/" + base_b.link);
  EXPECT_EQ(Entries(copy.diff_dir), Entries(source->diff_dir));

  // The source goes; the copy replays to the same bytes on its own.
  StringSink before;
  layers_.WriteTar(*source, before);
  const std::vector<std::string> entries = Entries(copy.diff_dir);
  layers_.Remove(source->chain_id);
  EXPECT_EQ(Entries(copy.diff_dir), entries) << "removing the source unlinks only its own names";
  StringSink after;
  layers_.WriteTar(copy, after);
  EXPECT_EQ(after.out, before.out);
}

TEST_F(LayerRebaseTest, ARebaseOfARebaseKeepsLinksWithinTheLayer) {
  // Every file of a rebased layer has two names (one per chain), so "more
  // than one link" no longer means a link within the layer: a second
  // rebase must still link each name to its own inode, not pair them up.
  Layer base_a = CommitFiles({{"a", "1"}}, std::nullopt);
  Layer base_b = CommitFiles({{"b", "2"}}, std::nullopt);
  Layer base_c = CommitFiles({{"c", "3"}}, std::nullopt);
  PendingLayer p = layers_.CreatePending();
  Put(p.diff_dir / "one", "1");
  Put(p.diff_dir / "two", "2");
  fs::create_hard_link(p.diff_dir / "one", p.diff_dir / "also-one");
  std::optional<Layer> source = layers_.Commit(p, base_a.chain_id);
  ASSERT_TRUE(source);
  Layer second = Rebase(*source, base_b.chain_id);
  Layer third = Rebase(second, base_c.chain_id);
  EXPECT_EQ(Entries(third.diff_dir), Entries(source->diff_dir));
  EXPECT_EQ(InodeOf(third.diff_dir / "one"), InodeOf(third.diff_dir / "also-one"));
  EXPECT_NE(InodeOf(third.diff_dir / "one"), InodeOf(third.diff_dir / "two"));
  layers_.Remove(source->chain_id);
  layers_.Remove(second.chain_id);
  EXPECT_EQ(ReadFile(third.diff_dir / "two"), "2");
}

TEST_F(LayerRebaseTest, AMissingTarSplitFailsAndLeavesNothing) {
  Layer base = CommitFiles({{"a", "1"}}, std::nullopt);
  Layer source = CommitFiles({{"f", "abc"}}, std::nullopt);
  fs::remove(layout::LayerFile(store_.root(), source.chain_id, layout::kLayerTarSplitFile));
  const std::vector<Digest> before = layers_.List();
  try {
    Rebase(source, base.chain_id);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot copy tar-split"), std::string::npos) << e.what();
  }
  EXPECT_EQ(layers_.List(), before);
  EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(store_.root())));
  size_t cache_dirs = 0;
  for (const auto& e : fs::directory_iterator(store_.root() / "overlay2")) cache_dirs += e.path().filename() != "l";
  EXPECT_EQ(cache_dirs, 2u) << "the pending dir is gone";
}

}  // namespace
}  // namespace ubuild::store
