#pragma once
// How push compresses the layers it uploads: BuildKit's names (gzip, zstd,
// uncompressed) and a level, with the Docker media type each blob gets.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

struct LayerCompression {
  enum class Kind { kGzip, kZstd, kUncompressed };
  Kind kind = Kind::kGzip;
  std::optional<int> level;  // the algorithm's default when unset

  // "gzip", "zstd" or "uncompressed"; the level is checked against the
  // algorithm's range (gzip 0-9, zstd 1-22; none for uncompressed).
  static LayerCompression Parse(std::string_view name, std::optional<int> level);
  std::string_view Name() const;
  std::string_view DockerMediaType() const;
  // Does a blob of this media type hold a layer compressed this way?
  bool Matches(std::string_view media_type) const;
};

// A sink that compresses into `out`; Finish() writes the end of the stream.
class CompressingSink : public ByteSink {
 public:
  virtual void Finish() = 0;
};
std::unique_ptr<CompressingSink> MakeCompressingSink(const LayerCompression& c, ByteSink& out, const std::string& what);

}  // namespace ubuild::store::registry
