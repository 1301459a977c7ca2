#include "store/registry/build_cache_manifest.h"

#include <gtest/gtest.h>

#include "store/base/error.h"
#include "store/oci_media_types.h"

namespace ubuild::store::registry {
namespace {

Digest D(char c) { return Digest::Parse("sha256:" + std::string(64, c)); }

CacheManifest Sample() {
  CacheManifest cache;
  cache.layers.push_back(CacheLayer{Descriptor{std::string(media_type::kDockerLayerGzip), D('b'), 123, std::nullopt}, D('d')});
  cache.steps.push_back(CacheStep{D('1'), R"({"rootfs":{"type":"layers","diff_ids":[]}})", std::nullopt});
  cache.steps.push_back(CacheStep{D('2'), "{\"config\":{\"Env\":[\"A=\\u00e9\"]}}\n", 0});
  return cache;
}

TEST(BuildCacheManifest, RoundTripsStepsAndLayers) {
  CacheDocuments docs = SerializeCacheManifest(Sample());
  CacheManifest back;
  Descriptor config = ParseCacheManifest(docs.manifest, &back, "m");
  EXPECT_EQ(config.digest, Sha256Of(docs.config));
  EXPECT_EQ(config.size, docs.config.size());
  ParseCacheConfig(docs.config, &back, "m");
  ASSERT_EQ(back.layers.size(), 1u);
  EXPECT_EQ(back.layers[0].blob.digest, D('b'));
  EXPECT_EQ(back.layers[0].blob.size, 123u);
  EXPECT_EQ(back.layers[0].diff_id, D('d'));
  ASSERT_EQ(back.steps.size(), 2u);
  EXPECT_EQ(back.steps[0].key, D('1'));
  EXPECT_FALSE(back.steps[0].layer.has_value());
  // The config comes back byte for byte: its hash is the step's image id.
  EXPECT_EQ(back.steps[1].config, Sample().steps[1].config);
  EXPECT_EQ(back.steps[1].layer, std::optional<size_t>(0));
}

TEST(BuildCacheManifest, TheManifestIsAnOciImageManifest) {
  CacheDocuments docs = SerializeCacheManifest(Sample());
  Manifest m = ParseManifest(docs.manifest, "", "m");
  EXPECT_EQ(m.media_type, media_type::kOciManifest);
  EXPECT_EQ(m.config.media_type, kBuildCacheConfigType);
  ASSERT_EQ(m.layers.size(), 1u);
}

TEST(BuildCacheManifest, RefusesAnImageManifest) {
  const std::string image = R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"sha256:)" +
                            std::string(64, 'c') + R"("},"layers":[]})";
  CacheManifest cache;
  EXPECT_THROW(ParseCacheManifest(image, &cache, "m"), Error);
  EXPECT_THROW(ParseCacheManifest("not json", &cache, "m"), Error);
}

TEST(BuildCacheManifest, RefusesAStepNamingAMissingLayer) {
  CacheManifest cache;
  EXPECT_THROW(ParseCacheConfig(R"({"steps":[{"key":"sha256:)" + std::string(64, '1') + R"(","config":"{}","layer":0}]})",
                                &cache, "m"),
               Error);
  EXPECT_THROW(ParseCacheConfig(R"({"steps":[{"key":"nope","config":"{}"}]})", &cache, "m"), Error);
  EXPECT_THROW(ParseCacheConfig("[]", &cache, "m"), Error);
}

TEST(BuildCacheManifest, RefusesALayerWithoutItsDiffId) {
  CacheDocuments docs = SerializeCacheManifest(Sample());
  std::string manifest = docs.manifest;
  manifest.replace(manifest.find(kBuildCacheDiffIdAnnotation), kBuildCacheDiffIdAnnotation.size(), "other");
  CacheManifest cache;
  EXPECT_THROW(ParseCacheManifest(manifest, &cache, "m"), Error);
}

}  // namespace
}  // namespace ubuild::store::registry
