#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <vector>

#include "store/atomic_file.h"
#include "store/byte_stream.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/layer_store.h"
#include "store/layer_tar.h"
#include "store/layout.h"
#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

void Put(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

bool DirIsEmpty(const fs::path& p) { return fs::is_empty(p); }

class LayerStoreTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  Store store_ = Store::Open(dir_.path() / "root", Store::Mode::kWrite);
  LayerStore& layers_ = store_.layers();
  fs::path root() { return store_.root(); }

  Layer CommitFiles(const std::map<std::string, std::string>& files, const std::optional<Digest>& parent) {
    PendingLayer p = layers_.CreatePending();
    for (const auto& [name, content] : files) Put(p.diff_dir / name, content);
    auto layer = layers_.Commit(p, parent);
    if (!layer) throw Error("unexpected empty layer");
    return *layer;
  }
};

TEST_F(LayerStoreTest, CommitWritesDockersLayout) {
  PendingLayer p = layers_.CreatePending();
  ASSERT_TRUE(fs::is_directory(p.diff_dir));
  ASSERT_TRUE(fs::is_directory(p.work_dir));
  Put(p.diff_dir / "etc/hostname", "box\n");
  Put(p.diff_dir / "bin/tool", std::string(1000, 'x'));
  fs::path diff_dir = p.diff_dir;
  std::string cache_id = p.cache_id;

  StringSink expected_tar;
  LayerTarResult expected = WriteLayerTar(diff_dir, &expected_tar, nullptr);
  auto layer = layers_.Commit(p, std::nullopt);
  ASSERT_TRUE(layer);
  EXPECT_EQ(layer->diff_id, Sha256Of(expected_tar.out));
  EXPECT_EQ(layer->diff_id, expected.diff_id);
  EXPECT_EQ(layer->chain_id, layer->diff_id);  // base layer
  EXPECT_EQ(layer->diff_dir, diff_dir) << "the upperdir is the layer's diff, not a copy";
  EXPECT_EQ(layer->cache_id, cache_id);
  EXPECT_EQ(layer->size, 1004u);

  fs::path db = layout::LayerDir(root(), layer->chain_id);
  EXPECT_EQ(ReadFile(db / "diff"), layer->diff_id.str());
  EXPECT_EQ(ReadFile(db / "size"), "1004");
  EXPECT_EQ(ReadFile(db / "cache-id"), cache_id);
  EXPECT_FALSE(fs::exists(db / "parent"));
  EXPECT_TRUE(fs::exists(db / "tar-split.json.gz"));

  fs::path cache = layout::CacheDir(root(), cache_id);
  std::string link = ReadFile(cache / "link");
  EXPECT_TRUE(layout::IsLinkName(link)) << link;
  EXPECT_EQ(link, layer->link);
  EXPECT_EQ(fs::read_symlink(root() / "overlay2/l" / link), fs::path("../" + cache_id + "/diff"));
  EXPECT_TRUE(fs::exists(root() / "overlay2/l" / link / "etc/hostname"));
  EXPECT_TRUE(fs::exists(cache / "committed"));
  EXPECT_FALSE(fs::exists(cache / "lower"));
  EXPECT_FALSE(fs::exists(cache / "work")) << "Docker keeps no workdir for a base layer";
  EXPECT_TRUE(DirIsEmpty(layout::LayerDbTmp(root())));
  EXPECT_EQ(layers_.List(), std::vector<Digest>{layer->chain_id});
}

TEST_F(LayerStoreTest, EmptyDiffIsNoLayer) {
  PendingLayer p = layers_.CreatePending();
  fs::path dir = p.dir;
  EXPECT_EQ(layers_.Commit(p, std::nullopt), std::nullopt);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(layers_.List().empty());
  EXPECT_TRUE(DirIsEmpty(layout::LayerDbTmp(root())));
}

TEST_F(LayerStoreTest, ChainOfThreeLayers) {
  Layer a = CommitFiles({{"a", "1"}}, std::nullopt);
  Layer b = CommitFiles({{"b", "2"}}, a.chain_id);
  Layer c = CommitFiles({{"c", "3"}}, b.chain_id);
  EXPECT_EQ(b.chain_id, NextChainId(a.chain_id, b.diff_id));
  EXPECT_EQ(c.chain_id, Sha256Of(b.chain_id.str() + " " + c.diff_id.str()));
  EXPECT_EQ(ReadFile(layout::LayerDir(root(), c.chain_id) / "parent"), b.chain_id.str());
  EXPECT_EQ(ReadFile(layout::CacheLowerFile(root(), b.cache_id)), "l/" + a.link);
  EXPECT_EQ(ReadFile(layout::CacheLowerFile(root(), c.cache_id)), "l/" + b.link + ":l/" + a.link);
  EXPECT_TRUE(fs::is_directory(layout::CacheWork(root(), c.cache_id)));

  auto chain = layers_.Chain(c.chain_id);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].chain_id, a.chain_id);
  EXPECT_EQ(chain[2].chain_id, c.chain_id);
  auto lower = layers_.LowerDirs(c.chain_id);
  ASSERT_EQ(lower.size(), 3u);
  EXPECT_EQ(lower[0], layout::LinkPath(root(), c.link));
  EXPECT_EQ(lower[2], layout::LinkPath(root(), a.link));
  EXPECT_TRUE(layers_.LowerDirs(std::nullopt).empty());
}

TEST_F(LayerStoreTest, SameChainIsSharedNotStoredTwice) {
  Layer a = CommitFiles({{"f", "same"}}, std::nullopt);
  PendingLayer p = layers_.CreatePending();
  Put(p.diff_dir / "f", "same");
  // Same mtime too, or the tar (and so the diff_id) would differ.
  fs::last_write_time(p.diff_dir / "f", fs::last_write_time(a.diff_dir / "f"));
  fs::last_write_time(p.diff_dir, fs::last_write_time(a.diff_dir));
  fs::path second = p.dir;
  auto again = layers_.Commit(p, std::nullopt);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->chain_id, a.chain_id);
  EXPECT_EQ(again->cache_id, a.cache_id);
  EXPECT_FALSE(fs::exists(second));
  EXPECT_EQ(layers_.List().size(), 1u);
}

TEST_F(LayerStoreTest, RegisterKeepsTheTarBytes) {
  testing::TestDir src;
  Put(src.path() / "usr/bin/x", "#!/bin/sh\n");
  Put(src.path() / "etc/motd", "hi");
  StringSink tar;
  WriteLayerTar(src.path(), &tar, nullptr);
  StringSource in(tar.out);
  Layer l = layers_.Register(in, std::nullopt, Sha256Of(tar.out), "test tar");
  EXPECT_EQ(l.diff_id, Sha256Of(tar.out));
  EXPECT_EQ(ReadFile(l.diff_dir / "etc/motd"), "hi");
  StringSink replay;
  layers_.WriteTar(l, replay);
  EXPECT_EQ(replay.out, tar.out);
}

TEST_F(LayerStoreTest, RegisterWithWrongDigestLeavesNothing) {
  testing::TestDir src;
  Put(src.path() / "f", "content");
  StringSink tar;
  WriteLayerTar(src.path(), &tar, nullptr);
  StringSource in(tar.out);
  Digest wrong = Digest::FromHex(std::string(64, 'e'));
  try {
    layers_.Register(in, std::nullopt, wrong, "layer.tar");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(wrong.str()), std::string::npos) << what;
    EXPECT_NE(what.find(Sha256Of(tar.out).str()), std::string::npos) << what;
  }
  EXPECT_TRUE(layers_.List().empty());
  EXPECT_TRUE(DirIsEmpty(layout::LayerDbTmp(root())));
  for (const auto& e : fs::directory_iterator(root() / "overlay2")) EXPECT_EQ(e.path().filename(), "l");
}

// Unpack on several threads at once, Finish in chain order: the same
// layers Register makes, the empty one included; a bad tar leaves nothing.
TEST_F(LayerStoreTest, UnpackBesideEachOtherThenFinishInOrder) {
  std::vector<std::string> tars;
  for (int i = 0; i < 3; ++i) {
    testing::TestDir src;
    if (i != 1) Put(src.path() / ("d" + std::to_string(i)) / "f", std::string(100000 * (i + 1), 'a' + i));
    StringSink tar;
    WriteLayerTar(src.path(), &tar, nullptr);
    tars.push_back(tar.out);
  }
  std::vector<PendingLayer> pending(tars.size());
  std::vector<PreparedLayer> prepared(tars.size());
  for (auto& p : pending) p = layers_.CreatePending();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tars.size(); ++i) {
    threads.emplace_back([&, i] {
      StringSource in(tars[i]);
      prepared[i] = layers_.Unpack(pending[i], in, "layer " + std::to_string(i));
    });
  }
  for (auto& t : threads) t.join();
  std::optional<Digest> parent;
  for (size_t i = 0; i < tars.size(); ++i) {
    EXPECT_EQ(prepared[i].diff_id, Sha256Of(tars[i]));
    Layer l = layers_.Finish(pending[i], prepared[i], parent);
    EXPECT_EQ(l.chain_id, NextChainId(parent, Sha256Of(tars[i])));
    StringSink replay;
    layers_.WriteTar(l, replay);
    EXPECT_EQ(replay.out, tars[i]);
    parent = l.chain_id;
  }
  EXPECT_EQ(prepared[1].diff_id.str(), kEmptyLayerDiffId);

  PendingLayer bad = layers_.CreatePending();
  StringSource garbage(std::string(3000, 'x'));
  EXPECT_THROW(layers_.Unpack(bad, garbage, "garbage"), Error);
  EXPECT_TRUE(bad.cache_id.empty());
  EXPECT_EQ(layers_.List().size(), 3u);
  EXPECT_TRUE(DirIsEmpty(layout::LayerDbTmp(root())));
}

TEST_F(LayerStoreTest, WriteTarFailsLoudlyWhenTheDiffChanged) {
  Layer l = CommitFiles({{"f", "abc"}}, std::nullopt);
  Put(l.diff_dir / "f", "abd");  // same size, other bytes
  StringSink out;
  EXPECT_THROW(layers_.WriteTar(l, out), Error);
}

TEST_F(LayerStoreTest, RemoveDeletesRecordDataAndLink) {
  Layer a = CommitFiles({{"a", "1"}}, std::nullopt);
  Layer b = CommitFiles({{"b", "2"}}, a.chain_id);
  layers_.Remove(b.chain_id);
  EXPECT_FALSE(layers_.Get(b.chain_id));
  EXPECT_FALSE(fs::exists(layout::CacheDir(root(), b.cache_id)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(layout::LinkPath(root(), b.link))));
  EXPECT_TRUE(layers_.Get(a.chain_id));
  EXPECT_TRUE(DirIsEmpty(layout::LayerDbTmp(root())));
}

// Several layers in one call (one layerdb sync for them all): a chain's
// upper part goes, children first, and its base stays whole.
TEST_F(LayerStoreTest, RemoveTakesSeveralLayersAtOnce) {
  Layer a = CommitFiles({{"a", "1"}}, std::nullopt);
  Layer b = CommitFiles({{"b", "2"}}, a.chain_id);
  Layer c = CommitFiles({{"c", "3"}}, b.chain_id);
  Layer d = CommitFiles({{"d", "4"}}, a.chain_id);
  layers_.Remove(std::vector<Digest>{c.chain_id, b.chain_id, d.chain_id, Digest::FromHex(std::string(64, 'e'))});
  EXPECT_EQ(layers_.List(), std::vector<Digest>{a.chain_id});
  for (const Layer& l : {b, c, d}) {
    EXPECT_FALSE(fs::exists(layout::CacheDir(root(), l.cache_id)));
    EXPECT_FALSE(fs::exists(fs::symlink_status(layout::LinkPath(root(), l.link))));
  }
  EXPECT_TRUE(fs::exists(layout::CacheCommittedFile(root(), a.cache_id)));
  EXPECT_TRUE(DirIsEmpty(layout::LayerDbTmp(root())));
}

TEST_F(LayerStoreTest, CommitOnMissingParentFailsAndCleansUp) {
  PendingLayer p = layers_.CreatePending();
  Put(p.diff_dir / "f", "x");
  fs::path dir = p.dir;
  EXPECT_THROW(layers_.Commit(p, Digest::FromHex(std::string(64, 'c'))), Error);
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace ubuild::store
