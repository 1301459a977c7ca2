#include "store/registry/layer_compression.h"

#include "store/base/error.h"
#include "store/oci_media_types.h"
#include "store/registry/gzip_sink.h"
#include "store/registry/zstd_sink.h"

namespace ubuild::store::registry {

namespace {

constexpr int kZstdDefaultLevel = 3;  // libzstd's default, as BuildKit uses it

class GzipCompressing : public CompressingSink {
 public:
  GzipCompressing(ByteSink& out, const std::string& what, int level) : gzip_(out, what, level) {}
  void Write(const void* data, size_t len) override { gzip_.Write(data, len); }
  void Finish() override { gzip_.Finish(); }

 private:
  GzipSink gzip_;
};

class ZstdCompressing : public CompressingSink {
 public:
  ZstdCompressing(ByteSink& out, const std::string& what, int level) : zstd_(out, level, what) {}
  void Write(const void* data, size_t len) override { zstd_.Write(data, len); }
  void Finish() override { zstd_.Finish(); }

 private:
  ZstdSink zstd_;
};

class Uncompressed : public CompressingSink {
 public:
  explicit Uncompressed(ByteSink& out) : out_(out) {}
  void Write(const void* data, size_t len) override { out_.Write(data, len); }
  void Finish() override {}

 private:
  ByteSink& out_;
};

}  // namespace

LayerCompression LayerCompression::Parse(std::string_view name, std::optional<int> level) {
  LayerCompression c;
  c.level = level;
  if (name == "gzip") {
    c.kind = Kind::kGzip;
    if (level && (*level < 0 || *level > 9)) throw Error("gzip's compression level is 0 to 9, not " + std::to_string(*level));
  } else if (name == "zstd") {
    c.kind = Kind::kZstd;
    if (level && (*level < 1 || *level > 22)) throw Error("zstd's compression level is 1 to 22, not " + std::to_string(*level));
  } else if (name == "uncompressed") {
    c.kind = Kind::kUncompressed;
    if (level) throw Error("uncompressed layers take no compression level");
  } else {
    throw Error("unknown compression '" + std::string(name) + "' (use gzip, zstd or uncompressed)");
  }
  return c;
}

std::string_view LayerCompression::Name() const {
  switch (kind) {
    case Kind::kGzip: return "gzip";
    case Kind::kZstd: return "zstd";
    case Kind::kUncompressed: return "uncompressed";
  }
  return "";
}

std::string_view LayerCompression::DockerMediaType() const {
  switch (kind) {
    case Kind::kGzip: return media_type::kDockerLayerGzip;
    case Kind::kZstd: return media_type::kDockerLayerZstd;
    case Kind::kUncompressed: return media_type::kDockerLayer;
  }
  return "";
}

bool LayerCompression::Matches(std::string_view media_type) const {
  switch (kind) {
    case Kind::kGzip: return media_type == media_type::kDockerLayerGzip || media_type == media_type::kOciLayerGzip;
    case Kind::kZstd: return media_type == media_type::kDockerLayerZstd || media_type == media_type::kOciLayerZstd;
    case Kind::kUncompressed: return media_type == media_type::kDockerLayer || media_type == media_type::kOciLayer;
  }
  return false;
}

std::unique_ptr<CompressingSink> MakeCompressingSink(const LayerCompression& c, ByteSink& out, const std::string& what) {
  switch (c.kind) {
    case LayerCompression::Kind::kGzip:
      return std::make_unique<GzipCompressing>(out, what, c.level.value_or(GzipSink::kDefaultLevel));
    case LayerCompression::Kind::kZstd:
      return std::make_unique<ZstdCompressing>(out, what, c.level.value_or(kZstdDefaultLevel));
    case LayerCompression::Kind::kUncompressed:
      return std::make_unique<Uncompressed>(out);
  }
  throw Error("unknown compression");
}

}  // namespace ubuild::store::registry
