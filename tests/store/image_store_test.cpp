#include <gtest/gtest.h>

#include "store/atomic_file.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/image_store.h"
#include "store/layout.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

const Digest kL0 = Digest::FromHex(std::string(64, '1'));
const Digest kL1 = Digest::FromHex(std::string(64, '2'));

std::string Config(const std::vector<Digest>& diff_ids, const std::string& extra = "") {
  std::string ids;
  for (const auto& d : diff_ids) ids += (ids.empty() ? "\"" : ",\"") + d.str() + "\"";
  return "{\"architecture\":\"amd64\"," + extra + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids +
         "]}}";
}

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(layout::ImageContentDir(dir_.path()));
    fs::create_directories(layout::ImageMetadataRoot(dir_.path()));
    // ImageStore only checks that the chain's layerdb entries exist.
    for (const Digest& chain : ChainIds({kL0, kL1})) fs::create_directories(layout::LayerDir(dir_.path(), chain));
  }
  testing::TestDir dir_;
  ImageStore images_{dir_.path()};
};

TEST_F(ImageStoreTest, IdIsSha256OfTheExactBytesStored) {
  std::string bytes = Config({kL0});
  Digest id = images_.Put(bytes);
  EXPECT_EQ(id, Sha256Of(bytes));
  EXPECT_EQ(ReadFile(layout::ImageContent(dir_.path(), id)), bytes);
  EXPECT_EQ(images_.GetConfig(id), bytes);
  EXPECT_EQ(images_.Put(bytes), id);  // idempotent
  EXPECT_EQ(images_.List(), std::vector<Digest>{id});
}

TEST_F(ImageStoreTest, ReorderedKeysGiveAnotherId) {
  Digest a = images_.Put("{\"os\":\"linux\",\"architecture\":\"amd64\"}");
  Digest b = images_.Put("{\"architecture\":\"amd64\",\"os\":\"linux\"}");
  EXPECT_NE(a, b);
}

TEST_F(ImageStoreTest, RejectsMissingLayers) {
  Digest missing = Digest::FromHex(std::string(64, '9'));
  EXPECT_THROW(images_.Put(Config({missing})), Error);
  EXPECT_THROW(images_.Put(Config({kL1})), Error);  // kL1 alone is another chain
  EXPECT_TRUE(images_.List().empty());
}

TEST_F(ImageStoreTest, RejectsMoreNonEmptyHistoryThanLayers) {
  std::string bytes = Config({kL0}, "\"history\":[{\"created_by\":\"a\"},{\"created_by\":\"b\"}],");
  EXPECT_THROW(images_.Put(bytes), Error);
  std::string ok = Config({kL0}, "\"history\":[{\"created_by\":\"a\"},{\"created_by\":\"b\",\"empty_layer\":true}],");
  EXPECT_NO_THROW(images_.Put(ok));
}

TEST_F(ImageStoreTest, GetRejectsTamperedContent) {
  Digest id = images_.Put(Config({kL0}));
  WriteFileAtomic(layout::ImageContent(dir_.path(), id), Config({kL0}, "\"author\":\"x\","));
  EXPECT_THROW(images_.GetConfig(id), Error);
}

TEST_F(ImageStoreTest, ParentChildrenAndMetadata) {
  Digest base = images_.Put(Config({kL0}));
  Digest child = images_.Put(Config({kL0, kL1}), base);
  EXPECT_EQ(images_.Parent(child), base);
  EXPECT_EQ(images_.Parent(base), std::nullopt);
  EXPECT_EQ(images_.Children(base), std::vector<Digest>{child});
  EXPECT_EQ(ReadFile(layout::ImageMetadataFile(dir_.path(), child, "parent")), base.str());
  images_.SetMetadata(child, "lastUpdated", "x");
  EXPECT_EQ(images_.GetMetadata(child, "lastUpdated"), "x");
  images_.Remove(child);
  EXPECT_FALSE(images_.Exists(child));
  EXPECT_FALSE(fs::exists(layout::ImageMetadataDir(dir_.path(), child)));
  EXPECT_TRUE(images_.Children(base).empty());
}

TEST_F(ImageStoreTest, ResolveIdFullAndPrefix) {
  Digest a = images_.Put(Config({kL0}));
  EXPECT_EQ(images_.ResolveId(a.str()), a);
  EXPECT_EQ(images_.ResolveId(a.hex()), a);
  EXPECT_EQ(images_.ResolveId(a.hex().substr(0, 1)), a);
  EXPECT_EQ(images_.ResolveId("sha256:" + a.hex().substr(0, 5)), a);
  EXPECT_EQ(images_.ResolveId("zzz"), std::nullopt);
  EXPECT_EQ(images_.ResolveId(""), std::nullopt);
  EXPECT_EQ(images_.ResolveId(std::string(64, a.hex()[0] == '0' ? '1' : '0')), std::nullopt);
  // A second image sharing a's first hex digit makes that prefix ambiguous.
  Digest b;
  for (int i = 0; b.empty() || b.hex()[0] != a.hex()[0]; ++i) {
    b = images_.Put(Config({kL0}, "\"author\":\"" + std::to_string(i) + "\","));
  }
  EXPECT_THROW(images_.ResolveId(a.hex().substr(0, 1)), Error);
  size_t n = 1;
  while (a.hex()[n] == b.hex()[n]) ++n;
  EXPECT_EQ(images_.ResolveId(a.hex().substr(0, n + 1)), a);
  EXPECT_EQ(images_.ResolveId(b.hex().substr(0, n + 1)), b);
}

}  // namespace
}  // namespace ubuild::store
