#pragma once
// `ubuild save --compression gzip|zstd`: the layer encoder image archives
// are written with (store/image_archive_writer.h), compressing each layer
// with push's deterministic, every-core compressors into a CompressedLayer
// spooled under the store's layerdb tmp dir. The spools stay open while
// this object lives; the archive writer reads each once.
#include <vector>

#include "store/image_archive_writer.h"
#include "store/registry/compressed_layer.h"
#include "store/registry/layer_compression.h"

namespace ubuild::store::registry {

class ArchiveLayerCompressor : public LayerBlobEncoder {
 public:
  // REQUIRES: `compression` is gzip or zstd (an uncompressed archive needs no encoder).
  ArchiveLayerCompressor(Store& store, LayerCompression compression);
  std::string_view OciMediaType() const override;
  EncodedLayerBlob Encode(const Layer& layer) override;

 private:
  Store& store_;
  LayerCompression compression_;
  std::vector<CompressedLayer> spools_;
};

}  // namespace ubuild::store::registry
