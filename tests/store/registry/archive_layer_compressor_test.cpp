// save --compression through the real compressors and the real archive
// writer and reader: the archive's layers are the compressed blobs with
// their OCI media types, the same bytes every time, and load back into
// another store as the same images.
#include "store/registry/archive_layer_compressor.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/decompressing_source.h"
#include "store/image_archive_reader.h"
#include "store/image_archive_writer.h"
#include "store/layout.h"
#include "store/store.h"
#include "store/tar_archive_input.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store::registry {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class ArchiveLayerCompressorTest : public ::testing::Test {
 protected:
  store::testing::TestDir dir_;
  Store src_ = Store::Open(dir_.path() / "src", Store::Mode::kWrite);
  Digest base_id_, app_id_;
  Layer l1_, l2_;

  void SetUp() override {
    l1_ = Commit({{"etc/motd", "base"}}, std::nullopt);
    l2_ = Commit({{"app/data", std::string(3 << 20, 'd')}, {"app/more", "x"}}, l1_.chain_id);
    base_id_ = src_.images().Put(Config({l1_.diff_id}));
    app_id_ = src_.images().Put(Config({l1_.diff_id, l2_.diff_id}));
  }

  Layer Commit(const std::map<std::string, std::string>& files, const std::optional<Digest>& parent) {
    PendingLayer p = src_.layers().CreatePending();
    for (const auto& [name, content] : files) {
      fs::create_directories((p.diff_dir / name).parent_path());
      std::ofstream(p.diff_dir / name, std::ios::binary) << content;
    }
    return *src_.layers().Commit(p, parent);
  }

  static std::string Config(const std::vector<Digest>& diff_ids) {
    json j = {{"architecture", "amd64"}, {"os", "linux"}, {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}};
    for (const Digest& d : diff_ids) j["rootfs"]["diff_ids"].push_back(d.str());
    return j.dump();
  }

  std::string Save(const char* compression) {
    ArchiveLayerCompressor compressor(src_, LayerCompression::Parse(compression, std::nullopt));
    StringSink out;
    WriteImageArchive(src_, {{app_id_, {"app:1"}}, {base_id_, {"base:1"}}}, out, nullptr, &compressor);
    return out.out;
  }

  static std::map<std::string, std::string> Members(const std::string& archive) {
    StringSource src(archive);
    TarArchiveInput in(src, "test");
    std::map<std::string, std::string> out;
    TarArchiveInput::Entry e;
    while (in.Next(e)) {
      char buf[65536];
      for (size_t n; (n = in.data().Read(buf, sizeof buf)) > 0;) out[e.path].append(buf, n);
    }
    return out;
  }
};

TEST_F(ArchiveLayerCompressorTest, CompressedLayersAreTheManifestsBlobsAndLoadBack) {
  for (const char* kind : {"gzip", "zstd"}) {
    SCOPED_TRACE(kind);
    const std::string archive = Save(kind);
    EXPECT_EQ(Save(kind), archive) << "the same images must give the same archive";
    auto files = Members(archive);

    json docker = json::parse(files["manifest.json"]);
    ASSERT_EQ(docker.size(), 2u);
    json index = json::parse(files["index.json"]);
    const std::string app_manifest = files["blobs/sha256/" + Digest::Parse(index["manifests"][0]["digest"].get<std::string>()).hex()];
    json layers = json::parse(app_manifest)["layers"];
    ASSERT_EQ(layers.size(), 2u);
    const Digest diff_ids[] = {l1_.diff_id, l2_.diff_id};
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(layers[i]["mediaType"], std::string("application/vnd.oci.image.layer.v1.tar+") + kind);
      const Digest blob = Digest::Parse(layers[i]["digest"].get<std::string>());
      EXPECT_NE(blob, diff_ids[i]);
      const std::string& bytes = files["blobs/sha256/" + blob.hex()];
      EXPECT_EQ(Sha256Of(bytes), blob);
      EXPECT_EQ(bytes.size(), layers[i]["size"].get<size_t>());
      StringSource compressed(bytes);
      DecompressingSource tar(compressed, "layer");
      Sha256 h;
      char buf[65536];
      for (size_t n; (n = tar.Read(buf, sizeof buf)) > 0;) h.Update(buf, n);
      EXPECT_EQ(h.Final(), diff_ids[i]);
      EXPECT_EQ(docker[0]["Layers"][i], "blobs/sha256/" + blob.hex());
    }
    EXPECT_EQ(docker[1]["Layers"][0], docker[0]["Layers"][0]) << "a shared layer is one blob";
    EXPECT_LT(archive.size(), 1u << 20) << "3 MiB of one byte compress";

    Store dst = Store::Open(dir_.path() / (std::string("dst-") + kind), Store::Mode::kWrite);
    StringSource in(archive);
    auto loaded = LoadImageArchive(dst, in, "test archive");
    ASSERT_EQ(loaded.size(), 2u);
    EXPECT_EQ(loaded[0].id, app_id_);
    EXPECT_EQ(loaded[1].id, base_id_);
    EXPECT_TRUE(fs::is_empty(layout::LayerDbTmp(src_.root()))) << "the compression spools are gone";
  }
}

TEST_F(ArchiveLayerCompressorTest, UncompressedNeedsNoCompressor) {
  EXPECT_THROW(ArchiveLayerCompressor(src_, LayerCompression::Parse("uncompressed", std::nullopt)), Error);
}

}  // namespace
}  // namespace ubuild::store::registry
