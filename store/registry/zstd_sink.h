#pragma once
// zstd compression into another sink on every core: libzstd's own worker
// threads (ZSTD_c_nbWorkers), always at least one and fed as a stream, so
// the bytes do not depend on the worker count (libzstd guarantees that for
// streaming multi-threaded compression since 1.4.7) nor on how the input
// was written. One frame, with its content checksum.
#include <memory>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class ZstdSink : public ByteSink {
 public:
  // workers 0: one per core.
  ZstdSink(ByteSink& out, int level, std::string what, int workers = 0);
  ~ZstdSink() override;
  void Write(const void* data, size_t len) override;
  void Finish();  // the end of the frame

 private:
  struct Impl;
  void Drain(const void* data, size_t len, bool end);

  std::unique_ptr<Impl> impl_;
  ByteSink& out_;
  std::string what_;
};

}  // namespace ubuild::store::registry
