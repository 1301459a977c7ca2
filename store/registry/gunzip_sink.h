#pragma once
// gzip decompression as the bytes arrive (zlib), into another sink: a
// pulled layer is decompressed while it downloads, so its diff_id is known
// when the download ends and the store applies the plain tar without a
// second decompression. Concatenated gzip members are one stream, as gzip
// itself reads them.
#include <memory>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class GunzipSink : public ByteSink {
 public:
  // Without `check_crc` the members' CRC-32 is neither computed nor
  // compared (zlib's inflateValidate): for a caller that hashes the output
  // against a digest of its own anyway (a pulled layer's diff_id), where the
  // CRC is a fifth of the decompression's time and adds nothing.
  GunzipSink(ByteSink& out, std::string what, bool check_crc = true);
  ~GunzipSink() override;
  void Write(const void* data, size_t len) override;
  // Throws unless the input ended at the end of a gzip member.
  void Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ByteSink& out_;
  std::string what_;
};

}  // namespace ubuild::store::registry
