#include "store/registry/layer_compression.h"

#include <gtest/gtest.h>

#include "store/base/error.h"
#include "store/decompressing_source.h"

namespace ubuild::store::registry {
namespace {

std::string Through(const LayerCompression& c, const std::string& data) {
  StringSink out;
  auto sink = MakeCompressingSink(c, out, "test");
  sink->Write(data.data(), data.size());
  sink->Finish();
  return out.out;
}

TEST(LayerCompression, NamesAndMediaTypes) {
  EXPECT_EQ(LayerCompression{}.DockerMediaType(), "application/vnd.docker.image.rootfs.diff.tar.gzip");
  auto z = LayerCompression::Parse("zstd", 19);
  EXPECT_EQ(z.Name(), "zstd");
  EXPECT_EQ(z.DockerMediaType(), "application/vnd.docker.image.rootfs.diff.tar.zstd");
  EXPECT_TRUE(z.Matches("application/vnd.oci.image.layer.v1.tar+zstd"));
  EXPECT_FALSE(z.Matches("application/vnd.docker.image.rootfs.diff.tar.gzip"));
  auto u = LayerCompression::Parse("uncompressed", std::nullopt);
  EXPECT_EQ(u.DockerMediaType(), "application/vnd.docker.image.rootfs.diff.tar");
}

TEST(LayerCompression, RefusesUnknownNamesAndLevels) {
  EXPECT_THROW(LayerCompression::Parse("xz", std::nullopt), Error);
  EXPECT_THROW(LayerCompression::Parse("gzip", 10), Error);
  EXPECT_THROW(LayerCompression::Parse("zstd", 0), Error);
  EXPECT_THROW(LayerCompression::Parse("uncompressed", 1), Error);
}

TEST(LayerCompression, EachSinkWritesItsFormat) {
  const std::string data(100000, 'x');
  std::string gz = Through(LayerCompression::Parse("gzip", 1), data);
  EXPECT_TRUE(LooksGzipped(gz.data(), gz.size()));
  std::string z = Through(LayerCompression::Parse("zstd", std::nullopt), data);
  EXPECT_TRUE(LooksZstd(z.data(), z.size()));
  EXPECT_EQ(Through(LayerCompression::Parse("uncompressed", std::nullopt), data), data);
  // A higher level does not compress worse.
  EXPECT_LE(Through(LayerCompression::Parse("gzip", 9), data).size(), gz.size());
}

}  // namespace
}  // namespace ubuild::store::registry
