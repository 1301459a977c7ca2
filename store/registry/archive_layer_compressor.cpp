#include "store/registry/archive_layer_compressor.h"

#include "store/base/error.h"
#include "store/oci_media_types.h"

namespace ubuild::store::registry {

ArchiveLayerCompressor::ArchiveLayerCompressor(Store& store, LayerCompression compression)
    : store_(store), compression_(compression) {
  if (compression_.kind == LayerCompression::Kind::kUncompressed) {
    throw Error("an uncompressed archive takes no layer compressor");
  }
}

std::string_view ArchiveLayerCompressor::OciMediaType() const {
  return compression_.kind == LayerCompression::Kind::kZstd ? media_type::kOciLayerZstd : media_type::kOciLayerGzip;
}

EncodedLayerBlob ArchiveLayerCompressor::Encode(const Layer& layer) {
  spools_.push_back(CompressedLayer::Make(store_, layer, compression_));
  const CompressedLayer& c = spools_.back();
  return EncodedLayerBlob{c.digest, c.size, std::make_unique<CompressedLayerReader>(c)};
}

}  // namespace ubuild::store::registry
