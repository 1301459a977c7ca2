#pragma once
// gzip compression into another sink on every core, as pigz does it: the
// input is cut into 1 MiB blocks, each deflated (zlib, level 6) on its own
// with the previous block's last 32 KiB as its dictionary, ending on a
// byte boundary (a sync flush), and the pieces are written in order as one
// gzip member. The bytes depend on the input alone — not on the thread
// count or on how the input was written — and the header has no name and a
// zero mtime, so the same layer tar always gives the same blob and a
// reproducible build pushes a reproducible manifest digest.
#include <cstdint>
#include <deque>
#include <future>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class GzipSink : public ByteSink {
 public:
  GzipSink(ByteSink& out, std::string what);
  ~GzipSink() override;
  void Write(const void* data, size_t len) override;
  void Finish();  // the last block and the trailer

 private:
  void StartBlock(bool last);
  void WriteOldest();

  ByteSink& out_;
  std::string what_;
  size_t max_in_flight_;
  std::string block_;       // input not yet handed to a worker
  std::string dictionary_;  // the last 32 KiB before block_
  std::deque<std::future<std::string>> in_flight_;  // compressed blocks, in input order
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
};

}  // namespace ubuild::store::registry
