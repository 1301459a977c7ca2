#include "store/layer_disk_usage.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "store/base/error.h"
#include "store/layer_rebase.h"
#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

class LayerDiskUsageTest : public ::testing::Test {
 protected:
  Layer CommitFiles(const std::map<std::string, std::string>& files, const std::optional<Digest>& parent) {
    PendingLayer p = layers_.CreatePending();
    for (const auto& [name, content] : files) {
      fs::create_directories((p.diff_dir / name).parent_path());
      std::ofstream(p.diff_dir / name, std::ios::binary) << content;
    }
    auto layer = layers_.Commit(p, parent);
    if (!layer) throw Error("unexpected empty layer");
    return *layer;
  }

  testing::TestDir dir_;
  Store store_ = Store::Open(dir_.path() / "root", Store::Mode::kWrite);
  LayerStore& layers_ = store_.layers();
};

// A --link rebase: the copy's files are the source's inodes, so its bytes
// are on disk once, and removing the source frees none of them while the
// copy is kept.
TEST_F(LayerDiskUsageTest, AFileLinkedIntoTwoLayersCountsOnce) {
  Layer base_a = CommitFiles({{"a", std::string(100, 'a')}}, std::nullopt);
  Layer base_b = CommitFiles({{"b", std::string(20, 'b')}}, std::nullopt);
  PendingLayer p = layers_.CreatePending();
  fs::create_directories(p.diff_dir / "app");
  std::ofstream(p.diff_dir / "app/big", std::ios::binary) << std::string(5000, 'x');
  std::ofstream(p.diff_dir / "app/small", std::ios::binary) << std::string(7, 'y');
  fs::create_hard_link(p.diff_dir / "app/big", p.diff_dir / "app/big-again");  // within the layer
  std::optional<Layer> source = layers_.Commit(p, base_a.chain_id);
  ASSERT_TRUE(source);
  ASSERT_EQ(source->size, 5007u);

  PendingLayer q = layers_.CreatePending();
  Layer copy = layers_.Finish(q, PrepareLayerCopy(store_.root(), *source, q), base_b.chain_id);
  ASSERT_EQ(copy.size, 5007u);

  LayerDiskUsage none_kept = MeasureLayerDiskUsage(layers_, {});
  EXPECT_EQ(none_kept.total, 100u + 20u + 5007u);
  EXPECT_EQ(none_kept.reclaimable, none_kept.total);

  // The copy's image kept: the source's layer frees nothing but base_a.
  LayerDiskUsage copy_kept = MeasureLayerDiskUsage(layers_, {base_b.chain_id, copy.chain_id});
  EXPECT_EQ(copy_kept.total, 100u + 20u + 5007u);
  EXPECT_EQ(copy_kept.reclaimable, 100u);

  LayerDiskUsage both_kept =
      MeasureLayerDiskUsage(layers_, {base_a.chain_id, source->chain_id, base_b.chain_id, copy.chain_id});
  EXPECT_EQ(both_kept.reclaimable, 0u);

  // Once the source is gone, the copy's files have one layer and count as
  // its own.
  layers_.Remove(source->chain_id);
  LayerDiskUsage after = MeasureLayerDiskUsage(layers_, {base_b.chain_id});
  EXPECT_EQ(after.total, 100u + 20u + 5007u);
  EXPECT_EQ(after.reclaimable, 100u + 5007u);
}

// A copy of a copy shares the first source's inodes too, and all keep its
// diff_id: with the source gone, the two copies still hold one set of
// bytes, which the kept one keeps on disk.
TEST_F(LayerDiskUsageTest, CopiesOfACopyShareTheBytesAfterTheSourceGoes) {
  Layer base_a = CommitFiles({{"a", std::string(100, 'a')}}, std::nullopt);
  Layer base_b = CommitFiles({{"b", std::string(20, 'b')}}, std::nullopt);
  Layer base_c = CommitFiles({{"c", std::string(3, 'c')}}, std::nullopt);
  Layer source = CommitFiles({{"app/big", std::string(4000, 'x')}, {"app/small", "yy"}}, base_a.chain_id);
  PendingLayer p = layers_.CreatePending();
  Layer copy = layers_.Finish(p, PrepareLayerCopy(store_.root(), source, p), base_b.chain_id);
  PendingLayer q = layers_.CreatePending();
  Layer copy_of_copy = layers_.Finish(q, PrepareLayerCopy(store_.root(), copy, q), base_c.chain_id);
  ASSERT_EQ(copy_of_copy.diff_id, source.diff_id);

  LayerDiskUsage all = MeasureLayerDiskUsage(layers_, {base_c.chain_id, copy_of_copy.chain_id});
  EXPECT_EQ(all.total, 100u + 20u + 3u + 4002u);
  EXPECT_EQ(all.reclaimable, 100u + 20u);

  layers_.Remove(source.chain_id);
  LayerDiskUsage after = MeasureLayerDiskUsage(layers_, {base_c.chain_id, copy_of_copy.chain_id});
  EXPECT_EQ(after.total, 100u + 20u + 3u + 4002u);
  EXPECT_EQ(after.reclaimable, 100u + 20u);
  LayerDiskUsage none_kept = MeasureLayerDiskUsage(layers_, {});
  EXPECT_EQ(none_kept.reclaimable, after.total);
}

}  // namespace
}  // namespace ubuild::store
