#include "store/registry/manifest.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

std::string Hex(char c) { return std::string(64, c); }

const std::string kDockerManifest = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469,
             "digest": "sha256:)" + Hex('c') + R"("},
  "layers": [
    {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3370706,
     "digest": "sha256:)" + Hex('1') + R"("},
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "size": 10,
     "digest": "sha256:)" + Hex('2') + R"("}
  ]
})";

TEST(Manifest, DockerSchema2) {
  Manifest m = ParseManifest(kDockerManifest, "", "m");
  EXPECT_EQ(m.kind, Manifest::Kind::kImage);
  EXPECT_EQ(m.config.digest.hex(), Hex('c'));
  EXPECT_EQ(m.config.size, 1469u);
  ASSERT_EQ(m.layers.size(), 2u);
  EXPECT_EQ(m.layers[0].size, 3370706u);
  EXPECT_EQ(m.layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
}

TEST(Manifest, OciManifestWithoutMediaTypeUsesContentType) {
  std::string body = R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,)"
                     R"("digest":"sha256:)" + Hex('c') + R"("},"layers":[]})";
  Manifest m = ParseManifest(body, "application/vnd.oci.image.manifest.v1+json; charset=utf-8", "m");
  EXPECT_EQ(m.media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(m.kind, Manifest::Kind::kImage);
  EXPECT_TRUE(m.layers.empty());
}

TEST(Manifest, OciIndexWithPlatforms) {
  std::string body = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
                     R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","size":5,"digest":"sha256:)" +
                     Hex('a') + R"(","platform":{"os":"linux","architecture":"arm","variant":"v7"}}]})";
  Manifest m = ParseManifest(body, "", "m");
  EXPECT_EQ(m.kind, Manifest::Kind::kIndex);
  ASSERT_EQ(m.manifests.size(), 1u);
  ASSERT_TRUE(m.manifests[0].platform);
  EXPECT_EQ(m.manifests[0].platform->String(), "linux/arm/v7");
}

void ExpectError(const std::string& body, const std::string& needle) {
  try {
    ParseManifest(body, "", "m");
    FAIL() << body.substr(0, 80);
  } catch (const Error& e) {
    EXPECT_NE(e.message().find(needle), std::string::npos) << e.message();
  }
}

TEST(Manifest, BadManifestsAreRefused) {
  ExpectError("not json", "malformed manifest");
  ExpectError(R"({"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"})",
              "unsupported manifest media type");
  ExpectError(R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":)"
              R"({"size":1,"digest":"md5:00"},"layers":[]})",
              "malformed digest");
  ExpectError(R"({"schemaVersion":2,"config":{"size":-1,"digest":"sha256:)" + Hex('c') + R"("},"layers":[]})",
              "no valid size");
  std::string foreign = kDockerManifest;
  foreign.replace(foreign.find("application/vnd.docker.image.rootfs.diff.tar.gzip"), 49,
                  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
  ExpectError(foreign, "which ubuild cannot unpack");
  ExpectError(std::string(kMaxManifestBytes + 1, ' '), "more than the 4194304 a manifest may have");
}

TEST(Manifest, DigestCheck) {
  CheckManifestDigest(kDockerManifest, Sha256Of(kDockerManifest), "m");
  try {
    CheckManifestDigest(kDockerManifest + " ", Sha256Of(kDockerManifest), "m");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("manifest digest mismatch: expected " + Sha256Of(kDockerManifest).str()), std::string::npos);
  }
}

}  // namespace
}  // namespace ubuild::store::registry
