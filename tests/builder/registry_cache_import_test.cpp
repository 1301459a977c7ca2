// Resolving --cache-from against a fake endpoint: a blob gone from the
// cache (an image's HEAD or a directory's stat finds none, or one of
// another size) turns the step that made its layer and those after it into
// misses, with one warning naming the cache and the blob; a registry
// cache's blobs are not asked for at load, and one found gone at its
// download starts the build over (unless another cache has the layer); a
// cache whose documents are gone or of the wrong shape is dropped with a
// warning, never an exception.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>

#include "builder/registry_cache_import.h"
#include "store/base/error.h"
#include "store/oci_media_types.h"
#include "store/registry/build_cache_manifest.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/builder/cache_image_fixture.h"

namespace ubuild::builder {
namespace {

using testing::D;
using testing::Entry;

using store::Digest;
using store::registry::Descriptor;

// Blobs by digest and one manifest; counts what resolution asks for.
class FakeEndpoint : public CacheEndpoint {
 public:
  explicit FakeEndpoint(std::string what) : CacheEndpoint(std::move(what)) {}
  std::optional<std::string> manifest;
  std::map<Digest, std::string> blobs;
  std::optional<Digest> unavailable;  // a blob gone after resolution: FetchLayers fails on it
  std::optional<Digest> disk_full;    // FetchLayers fails on it for a reason of this machine
  bool local = false;                 // a directory: BlobSize is a stat
  int gets = 0;
  int sizes = 0;
  int fetches = 0;

  bool BlobSizeIsLocal() const override { return local; }

  std::optional<std::string> ReadManifest() override { return manifest; }
  std::string ReadManifestAt(const Descriptor& entry) override { return ReadBlob(entry); }
  std::string ReadBlob(const Descriptor& blob) override {
    ++gets;
    auto it = blobs.find(blob.digest);
    if (it == blobs.end()) throw Error("blob " + blob.digest.str() + " is not there", what());
    return it->second;
  }
  std::optional<uint64_t> BlobSize(const Digest& digest) override {
    ++sizes;
    auto it = blobs.find(digest);
    if (it == blobs.end()) return std::nullopt;
    return it->second.size();
  }
  std::vector<std::unique_ptr<FetchedLayer>> FetchLayers(store::Store&,
                                                         const std::vector<store::registry::CacheLayer>& layers,
                                                         const std::atomic<bool>*) override {
    ++fetches;
    for (const store::registry::CacheLayer& layer : layers) {
      if (layer.blob.digest == unavailable) throw BlobUnavailable(Error("404 Not Found", what()), layer.blob.digest);
      if (layer.blob.digest == disk_full) throw SysError("write", "/store/overlay2/x/diff/data", ENOSPC);
    }
    ADD_FAILURE() << "the fake fetches no layer";
    return {};
  }
  void PutBlob(const Digest&, store::ByteSource&, uint64_t) override {}
  void PutManifest(const std::string&, std::string_view) override {}
};

// base (layer a) -> RUN one (layer b) -> ENV E=1 -> RUN two (layer c)
const char* const kSteps[] = {"base", "RUN one", "ENV E=1", "RUN two"};
store::ImageConfig Config(size_t entries) {
  store::ImageConfig c = store::ImageConfig::Scratch();
  const Digest layers[] = {D('a'), D('b'), D('c')};
  size_t layer = 0;
  for (size_t i = 0; i < entries; ++i) {
    const bool empty = std::string(kSteps[i]).rfind("ENV", 0) == 0;
    c.AddHistory(Entry(kSteps[i], empty));
    if (!empty) c.diff_ids().push_back(layers[layer++]);
  }
  return c;
}

class RegistryCacheImportTest : public ::testing::Test {
 protected:
  // The image Config(4) in a fake registry: its layer blobs are "blob-a"..
  // "blob-c", each listed with its size; `drop` are left out of the blobs.
  std::unique_ptr<FakeEndpoint> ImageEndpoint(const std::string& drop = "") {
    auto e = std::make_unique<FakeEndpoint>("reg/app:1");
    const std::string config = Config(4).Serialize();
    e->blobs[store::Sha256Of(config)] = config;
    nlohmann::json layers = nlohmann::json::array();
    for (char c : std::string("abc")) {
      const std::string blob = std::string("blob-") + c;
      layers.push_back({{"mediaType", std::string(store::media_type::kOciLayerGzip)},
                        {"digest", store::Sha256Of(blob).str()},
                        {"size", blob.size()}});
      if (drop.find(c) == std::string::npos) e->blobs[store::Sha256Of(blob)] = blob;
    }
    e->manifest = nlohmann::json{{"schemaVersion", 2},
                                 {"mediaType", std::string(store::media_type::kOciManifest)},
                                 {"config",
                                  {{"mediaType", std::string(store::media_type::kOciConfig)},
                                   {"digest", store::Sha256Of(config).str()},
                                   {"size", config.size()}}},
                                 {"layers", layers}}
                      .dump();
    return e;
  }

  // Resolves `location` against `endpoint`; the warnings land in warnings_.
  std::unique_ptr<RegistryCacheImport> Import(const CacheLocation& location, std::unique_ptr<FakeEndpoint> endpoint) {
    fake_ = endpoint.get();
    auto owned = std::make_shared<std::unique_ptr<FakeEndpoint>>(std::move(endpoint));
    return std::make_unique<RegistryCacheImport>(
        store_, std::vector<CacheLocation>{location}, [this](const std::string& line) { warnings_.push_back(line); },
        [owned](const CacheLocation&) -> std::unique_ptr<CacheEndpoint> { return std::move(*owned); });
  }
  static CacheLocation ImageRef() {
    CacheLocation l;
    l.kind = CacheLocation::Kind::kImage;
    l.ref = "reg/app:1";
    return l;
  }
  static CacheLocation RegistryRef() {
    CacheLocation l;
    l.kind = CacheLocation::Kind::kRegistry;
    l.ref = "reg/cache:c";
    return l;
  }

  testing::TempDir tmp_;
  store::Store store_ = store::Store::Open(tmp_.path() / "root", store::Store::Mode::kWrite);
  FakeEndpoint* fake_ = nullptr;
  std::vector<std::string> warnings_;
};

TEST_F(RegistryCacheImportTest, AnImageWithEveryBlobGivesEveryStepAndNoWarning) {
  auto import = Import(ImageRef(), ImageEndpoint());
  EXPECT_TRUE(warnings_.empty());
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(import->LookupHistory(Config(i), kSteps[i])) << kSteps[i];
  // The config was the one GET: no layer came in.
  EXPECT_EQ(fake_->gets, 1);
  EXPECT_EQ(fake_->fetches, 0);
}

TEST_F(RegistryCacheImportTest, AnImageLayerBlobGoneMakesItsStepMissWithOneWarning) {
  auto import = Import(ImageRef(), ImageEndpoint("b"));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "[Warning] the cache image reg/app:1 lost the blob " + store::Sha256Of("blob-b").str() +
                              " of layer " + D('b').str() + ": the step \"RUN one\" and those after it will run");
  EXPECT_TRUE(import->LookupHistory(Config(0), "base"));
  EXPECT_FALSE(import->LookupHistory(Config(1), "RUN one"));
  // Had the run made another layer, the later steps' parents differ and
  // miss; the same layer (a reproducible step) is here, so they may hit.
  store::ImageConfig rebuilt = Config(2);
  rebuilt.diff_ids().back() = D('e');
  EXPECT_FALSE(import->LookupHistory(rebuilt, "ENV E=1"));
  EXPECT_FALSE(import->BlobOf(D('b')));
  EXPECT_TRUE(import->BlobOf(D('c')));
}

TEST_F(RegistryCacheImportTest, AnImageLayerBlobOfAnotherSizeIsLost) {
  auto endpoint = ImageEndpoint();
  endpoint->blobs[store::Sha256Of("blob-c")] = "blob-c, but longer";
  auto import = Import(ImageRef(), std::move(endpoint));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("the step \"RUN two\""), std::string::npos) << warnings_[0];
  EXPECT_TRUE(import->LookupHistory(Config(2), "ENV E=1"));
  EXPECT_FALSE(import->LookupHistory(Config(3), "RUN two"));
}

TEST_F(RegistryCacheImportTest, AnImageWhoseConfigIsGoneIsDroppedWithAWarning) {
  auto endpoint = ImageEndpoint();
  endpoint->blobs.erase(store::Sha256Of(Config(4).Serialize()));
  auto import = Import(ImageRef(), std::move(endpoint));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0].rfind("[Warning] cannot use the build cache reg/app:1 (", 0), 0u) << warnings_[0];
  EXPECT_FALSE(import->LookupHistory(Config(0), "base"));
}

TEST_F(RegistryCacheImportTest, AnImageBlobGoneAtItsDownloadIsDroppedAndTheBuildToldToStartOver) {
  auto endpoint = ImageEndpoint();
  endpoint->unavailable = store::Sha256Of("blob-b");
  auto import = Import(ImageRef(), std::move(endpoint));
  EXPECT_TRUE(warnings_.empty());
  ASSERT_TRUE(import->LookupHistory(Config(1), "RUN one"));
  try {
    import->Materialize(store::TopChainId(Config(2)));
    ADD_FAILURE() << "Materialize brought in a blob that is gone";
  } catch (const CacheLayerLost& e) {
    EXPECT_EQ(std::string(e.what()).rfind("the build cache reg/app:1 lost the blob " + store::Sha256Of("blob-b").str() +
                                              " of layer " + D('b').str() + " (",
                                          0),
              0u)
        << e.what();
  }
  // Started over, the build runs that step; the one below still hits.
  EXPECT_FALSE(import->LookupHistory(Config(1), "RUN one"));
  EXPECT_TRUE(import->LookupHistory(Config(0), "base"));
  EXPECT_FALSE(import->BlobOf(D('b')));
}

// A ubuild build cache of one step whose layer is blob "L".
std::unique_ptr<FakeEndpoint> CacheEndpointWith(const std::string& manifest_config_size) {
  auto e = std::make_unique<FakeEndpoint>("reg/cache:c");
  const std::string layer = "L";
  store::ImageConfig step_image = Config(1);
  const std::string config = nlohmann::json{{"steps", {{{"key", D('d').str()}, {"config", step_image.Serialize()},
                                                        {"layer", 0}}}}}.dump();
  e->blobs[store::Sha256Of(config)] = config;
  e->blobs[store::Sha256Of(layer)] = layer;
  e->manifest = R"({"schemaVersion":2,"config":{"mediaType":")" + std::string(store::registry::kBuildCacheConfigType) +
                R"(","digest":")" + store::Sha256Of(config).str() + R"(","size":)" + manifest_config_size +
                R"(},"layers":[{"mediaType":")" + std::string(store::media_type::kOciLayerGzip) + R"(","digest":")" +
                store::Sha256Of(layer).str() + R"(","size":1,"annotations":{")" +
                std::string(store::registry::kBuildCacheDiffIdAnnotation) + R"(":")" + D('a').str() + R"("}}]})";
  return e;
}

TEST_F(RegistryCacheImportTest, ABuildCacheWithItsBlobsHits) {
  auto import = Import(RegistryRef(), CacheEndpointWith("1"));
  EXPECT_TRUE(warnings_.empty());
  EXPECT_TRUE(import->Lookup(D('d')));
}

TEST_F(RegistryCacheImportTest, ADirectoryCacheLayerBlobGoneDropsTheStepWithAWarning) {
  auto endpoint = CacheEndpointWith("1");
  endpoint->local = true;
  endpoint->blobs.erase(store::Sha256Of("L"));
  auto import = Import(RegistryRef(), std::move(endpoint));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("lost the blob of layer " + D('a').str()), std::string::npos) << warnings_[0];
  EXPECT_FALSE(import->Lookup(D('d')));
  EXPECT_EQ(fake_->sizes, 1);
}

TEST_F(RegistryCacheImportTest, ARegistryCacheLayerBlobIsNotAskedForAtLoadButFoundGoneAtItsDownload) {
  auto endpoint = CacheEndpointWith("1");
  endpoint->blobs.erase(store::Sha256Of("L"));
  endpoint->unavailable = store::Sha256Of("L");
  auto import = Import(RegistryRef(), std::move(endpoint));
  EXPECT_TRUE(warnings_.empty());
  EXPECT_EQ(fake_->sizes, 0);
  EXPECT_EQ(fake_->gets, 1);  // the step list: the only request after the manifest
  ASSERT_TRUE(import->Lookup(D('d')));
  EXPECT_THROW(import->Materialize(store::TopChainId(Config(1))), CacheLayerLost);
  EXPECT_FALSE(import->Lookup(D('d')));
  EXPECT_FALSE(import->BlobOf(D('a')));
}

TEST_F(RegistryCacheImportTest, AnotherCacheWithTheLayerServesItOnceTheFirstsBlobIsFoundGone) {
  auto first = CacheEndpointWith("1");
  first->unavailable = store::Sha256Of("L");
  FakeEndpoint* gone = first.get();
  auto second = CacheEndpointWith("1");
  FakeEndpoint* kept = second.get();
  std::vector<std::unique_ptr<FakeEndpoint>> endpoints;
  endpoints.push_back(std::move(first));
  endpoints.push_back(std::move(second));
  auto owned = std::make_shared<std::vector<std::unique_ptr<FakeEndpoint>>>(std::move(endpoints));
  size_t opened = 0;
  RegistryCacheImport import(
      store_, {RegistryRef(), RegistryRef()}, [this](const std::string& line) { warnings_.push_back(line); },
      [owned, &opened](const CacheLocation&) -> std::unique_ptr<CacheEndpoint> { return std::move((*owned)[opened++]); });
  ASSERT_TRUE(import.BlobOf(D('a')));
  EXPECT_EQ(import.BlobOf(D('a'))->endpoint, gone);
  EXPECT_THROW(import.Materialize(store::TopChainId(Config(1))), CacheLayerLost);
  // Started over, the step still hits, its layer now the second cache's.
  EXPECT_TRUE(import.Lookup(D('d')));
  ASSERT_TRUE(import.BlobOf(D('a')));
  EXPECT_EQ(import.BlobOf(D('a'))->endpoint, kept);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(RegistryCacheImportTest, ABuildCacheBlobGoneAtItsDownloadDropsItsSteps) {
  auto endpoint = CacheEndpointWith("1");
  endpoint->unavailable = store::Sha256Of("L");
  auto import = Import(RegistryRef(), std::move(endpoint));
  ASSERT_TRUE(import->Lookup(D('d')));
  EXPECT_THROW(import->Materialize(store::TopChainId(Config(1))), CacheLayerLost);
  EXPECT_FALSE(import->Lookup(D('d')));
  // Nothing is left to fetch: the chain is no longer the cache's, and
  // no second start over is asked for.
  try {
    import->Materialize(store::TopChainId(Config(1)));
    ADD_FAILURE() << "Materialize made a chain the cache no longer has";
  } catch (const CacheLayerLost& e) {
    ADD_FAILURE() << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in neither the store nor the build cache"), std::string::npos) << e.what();
  }
}

TEST_F(RegistryCacheImportTest, AFailureThatIsNotTheBlobsIsTheBuildsErrorAndDropsNothing) {
  auto endpoint = CacheEndpointWith("1");
  endpoint->disk_full = store::Sha256Of("L");
  auto import = Import(RegistryRef(), std::move(endpoint));
  ASSERT_TRUE(import->Lookup(D('d')));
  try {
    import->Materialize(store::TopChainId(Config(1)));
    ADD_FAILURE() << "Materialize brought in a layer it could not write";
  } catch (const CacheLayerLost& e) {
    ADD_FAILURE() << "a full disk made the build start over: " << e.what();
  } catch (const SystemError& e) {
    EXPECT_EQ(e.err(), ENOSPC);
    EXPECT_NE(std::string(e.what()).find("write /store/overlay2/x/diff/data: No space left on device"), std::string::npos)
        << e.what();
  }
  // The cache still holds the step and its layer.
  EXPECT_TRUE(import->Lookup(D('d')));
  EXPECT_TRUE(import->BlobOf(D('a')));
  EXPECT_EQ(fake_->fetches, 1);
}

TEST_F(RegistryCacheImportTest, ABuildCacheConfigBlobGoneDropsTheCacheWithAWarning) {
  auto endpoint = CacheEndpointWith("1");
  for (auto it = endpoint->blobs.begin(); it != endpoint->blobs.end();) {
    it = it->first == store::Sha256Of("L") ? std::next(it) : endpoint->blobs.erase(it);
  }
  auto import = Import(RegistryRef(), std::move(endpoint));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0].rfind("[Warning] cannot use the build cache reg/cache:c (", 0), 0u) << warnings_[0];
  EXPECT_FALSE(import->Lookup(D('d')));
}

TEST_F(RegistryCacheImportTest, AManifestOfTheWrongShapeIsAWarningNotAnError) {
  // "size" a string: the JSON library's type error, not ubuild's own check.
  auto import = Import(RegistryRef(), CacheEndpointWith("\"one\""));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0].rfind("[Warning] cannot use the build cache reg/cache:c (", 0), 0u) << warnings_[0];
  auto endpoint = CacheEndpointWith("1");
  endpoint->manifest = "not json";
  warnings_.clear();
  import = Import(RegistryRef(), std::move(endpoint));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("not a build cache"), std::string::npos) << warnings_[0];
}

}  // namespace
}  // namespace ubuild::builder
