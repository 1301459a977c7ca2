#pragma once
// A layer compressed for upload. The compressed bytes go to an unnamed file
// under the store's layerdb tmp dir rather than memory (a layer can be
// gigabytes), hashed as they are written: a registry wants the blob's digest
// and size before the upload, so the bytes are read twice, never
// compressed twice. The build cache's export uploads this way, and push
// when a registry refuses its streamed upload (blob_upload.h).
#include <cstdint>
#include <string>

#include "store/base/fd.h"
#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/layer_store.h"
#include "store/registry/layer_compression.h"

namespace ubuild::store {
class Store;
}

namespace ubuild::store::registry {

struct CompressedLayer {
  Fd fd;
  Digest digest;
  uint64_t size = 0;

  static CompressedLayer Make(Store& store, const Layer& layer, const LayerCompression& compression);
};

// The compressed bytes from the start, by pread: the file offset is left
// alone, so each reader of one CompressedLayer starts afresh.
class CompressedLayerReader : public ByteSource {
 public:
  explicit CompressedLayerReader(const CompressedLayer& layer) : fd_(layer.fd.get()) {}
  size_t Read(void* data, size_t len) override;

 private:
  int fd_;
  off_t offset_ = 0;
};

}  // namespace ubuild::store::registry
