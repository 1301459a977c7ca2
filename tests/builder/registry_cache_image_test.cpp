// An image as cache matched by history, moby's image/cache rule: the
// parent's entries and layers begin the image's, and the next entry's
// created_by is the step's; its last entry gives the image itself.
#include <gtest/gtest.h>

#include "builder/registry_cache_image.h"
#include "tests/builder/cache_image_fixture.h"

namespace ubuild::builder {
namespace {

using testing::D;
using testing::Entry;

// base (layer a) -> ENV (no layer) -> RUN (layer b) -> CMD (no layer)
store::ImageConfig Config(size_t entries) {
  store::ImageConfig c = store::ImageConfig::Scratch();
  const store::HistoryEntry all[] = {Entry("base", false), Entry("ENV A=1", true), Entry("RUN x", false),
                                     Entry("CMD y", true)};
  const store::Digest layers[] = {D('a'), D('b')};
  size_t layer = 0;
  for (size_t i = 0; i < entries; ++i) {
    c.AddHistory(all[i]);
    if (!all[i].empty_layer) c.diff_ids().push_back(layers[layer++]);
  }
  return c;
}

const CacheImage kImage{D('f'), Config(4), Config(4).Serialize(), {}, {}};

TEST(RegistryCacheImage, NextEntryWithItsTextHits) {
  auto step = MatchHistory(kImage, Config(1), "ENV A=1");
  ASSERT_TRUE(step);
  EXPECT_FALSE(step->last);
  EXPECT_FALSE(step->diff_id);
  EXPECT_EQ(step->entry.created_by, "ENV A=1");
  EXPECT_FALSE(MatchHistory(kImage, Config(1), "ENV A=2"));
}

TEST(RegistryCacheImage, ALayerStepNamesTheChainAfterTheParents) {
  auto step = MatchHistory(kImage, Config(2), "RUN x");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->diff_id, D('b'));
}

TEST(RegistryCacheImage, TheLastEntryGivesTheImage) {
  auto step = MatchHistory(kImage, Config(3), "CMD y");
  ASSERT_TRUE(step);
  EXPECT_TRUE(step->last);
  EXPECT_EQ(step->image, D('f'));
  EXPECT_EQ(step->image_config, Config(4).Serialize());
}

TEST(RegistryCacheImage, AnyParentEntryOrLayerThatDiffersMisses) {
  store::ImageConfig parent = Config(2);
  parent.history()[1].created = "2025-01-01T00:00:00Z";
  EXPECT_FALSE(MatchHistory(kImage, parent, "RUN x"));
  parent = Config(2);
  parent.diff_ids()[0] = D('c');
  EXPECT_FALSE(MatchHistory(kImage, parent, "RUN x"));
  // A parent as long as the image has no next entry.
  EXPECT_FALSE(MatchHistory(kImage, Config(4), "CMD y"));
}

TEST(RegistryCacheImage, AnEmptyParentMatchesTheFirstEntry) {
  auto step = MatchHistory(kImage, store::ImageConfig::Scratch(), "base");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->diff_id, D('a'));
}

// A cache that holds one image as cache, read as `bytes`.
class OneImage : public RemoteStepCache {
 public:
  explicit OneImage(std::string bytes) : bytes_(std::move(bytes)) {}
  std::optional<std::string> Lookup(const store::Digest&) override { return std::nullopt; }
  void Materialize(const std::optional<store::Digest>&) override {}
  std::optional<store::Digest> LinkedLayer(const store::Digest&, const std::optional<store::Digest>&) override {
    return std::nullopt;
  }
  std::optional<HistoryStep> LookupHistory(const store::ImageConfig&, const std::string&) override { return std::nullopt; }
  std::optional<std::string> CacheImageConfig(const store::Digest& id) override {
    if (id != store::Sha256Of(bytes_)) return std::nullopt;
    return bytes_;
  }

 private:
  std::string bytes_;
};

TEST(RegistryCacheImage, AnImageGivenWholeKeepsTheBytesItWasReadWith) {
  // Docker's classic builder writes fields ImageConfig drops.
  const std::string docker = R"({"architecture":"amd64","container_config":{"Cmd":["x"]},"docker_version":"20.10",)"
                             R"("os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  const store::ImageConfig parsed = store::ImageConfig::Parse(docker, "docker's config");
  const std::string ours = parsed.Serialize();
  ASSERT_NE(ours, docker);
  OneImage cache(docker);
  EXPECT_EQ(cache.ConfigBytes(store::Sha256Of(docker), parsed), docker);
  EXPECT_EQ(cache.ConfigBytes(store::Sha256Of(ours), parsed), ours);
}

TEST(RegistryCacheImage, ImageManifestsAreToldFromOthers) {
  EXPECT_TRUE(IsImageManifest(R"({"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
                              R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json"}})"));
  EXPECT_TRUE(IsImageManifest(R"({"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})"));
  EXPECT_FALSE(IsImageManifest(R"({"config":{"mediaType":"application/vnd.ubuild.buildcache.config.v1+json"}})"));
  EXPECT_FALSE(IsImageManifest("not json"));
}

}  // namespace
}  // namespace ubuild::builder
