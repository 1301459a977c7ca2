#pragma once
// zstd decompression as the bytes arrive (libzstd's streaming API), into
// another sink: the zstd counterpart of gunzip_sink.h for pulled layers.
// Concatenated frames (and skippable frames) are one stream, as `zstd -d`
// reads them.
#include <memory>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class UnzstdSink : public ByteSink {
 public:
  UnzstdSink(ByteSink& out, std::string what);
  ~UnzstdSink() override;
  void Write(const void* data, size_t len) override;
  // Throws unless the input ended at the end of a frame.
  void Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ByteSink& out_;
  std::string what_;
};

}  // namespace ubuild::store::registry
