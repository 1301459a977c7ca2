#pragma once
// gzip compression (zlib, level 6 as `gzip` and Docker use) into another
// sink. The header carries no name and a zero mtime, so the same layer tar
// always gives the same bytes — a reproducible build pushes a reproducible
// manifest digest.
#include <memory>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class GzipSink : public ByteSink {
 public:
  GzipSink(ByteSink& out, std::string what);
  ~GzipSink() override;
  void Write(const void* data, size_t len) override;
  void Finish();  // flushes the last block and the trailer

 private:
  void Deflate(int flush);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  ByteSink& out_;
  std::string what_;
};

}  // namespace ubuild::store::registry
