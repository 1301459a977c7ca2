#pragma once
// SHA-256 of a byte stream, hashed on a second thread once the stream
// outgrows the first chunk, so that a layer commit reads and checksums its
// files while the digest is computed alongside instead of after. Streams
// shorter than a chunk are hashed inline by Final() and start no thread.
#include <memory>
#include <string>

#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/pipelined_sink.h"

namespace ubuild::store {

class BackgroundSha256 {
 public:
  void Update(const void* data, size_t len);
  Digest Final();  // may be called once

 private:
  static constexpr size_t kInline = 1 << 20;

  class HashSink : public ByteSink {
   public:
    void Write(const void* data, size_t len) override { sha.Update(data, len); }
    Sha256 sha;
  };

  HashSink hash_;
  std::string head_;                     // the stream, until it outgrows kInline
  std::unique_ptr<PipelinedSink> pipe_;  // then everything goes through here
};

}  // namespace ubuild::store
