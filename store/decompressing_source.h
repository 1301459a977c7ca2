#pragma once
// A ByteSource giving the decompressed bytes of a gzip (or other
// libarchive-recognised) compressed ByteSource. Used for compressed layer
// blobs in archives and for reading tar-split files.
#include <string>

#include "store/byte_source_archive.h"
#include "store/byte_stream.h"

namespace ubuild::store {

class DecompressingSource : public ByteSource {
 public:
  // `what` names the stream in errors.
  DecompressingSource(ByteSource& compressed, std::string what);

  size_t Read(void* data, size_t len) override;

 private:
  std::string what_;
  ByteSourceArchive archive_;
};

// True when the bytes start with the gzip magic number.
bool LooksGzipped(const void* data, size_t len);
// True when the bytes start with the zstd frame magic number (RFC 8878).
bool LooksZstd(const void* data, size_t len);

}  // namespace ubuild::store
