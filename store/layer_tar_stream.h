#pragma once
// The byte stream of a layer tar as libarchive writes it, classified as it
// goes: header and padding bytes (tar-split segments) versus file payloads.
// libarchive runs unbuffered into OnWrite, so each callback belongs wholly to
// the call (header or data) that caused it.
#include <archive.h>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "store/background_sha256.h"
#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/tar_split.h"

namespace ubuild::store {

class LayerTarStream {
 public:
  LayerTarStream(ByteSink* out, TarSplitWriter* split) : out_(out), split_(split) {}

  // Opens `a` (already given its format) on this stream.
  void Open(struct archive* a);
  static la_ssize_t OnWrite(struct archive* a, void* self, const void* data, size_t len);

  void BeginPayload() { in_payload_ = true; }
  void EndPayload() { in_payload_ = false; }
  // Hands the header/padding bytes seen so far to tar-split.
  void FlushSegment();
  // Flushes buffered output to the sink.
  void FlushOutput();

  std::exception_ptr TakeError() { return std::exchange(error_, nullptr); }
  uint64_t size() const { return size_; }
  Digest Final() { return sha_.Final(); }
  TarSplitWriter* split() const { return split_; }

 private:
  void Emit(const void* data, size_t len);

  ByteSink* out_;
  TarSplitWriter* split_;
  BackgroundSha256 sha_;
  uint64_t size_ = 0;
  bool in_payload_ = false;
  std::string segment_;
  std::string out_buffer_;
  std::exception_ptr error_;
};

}  // namespace ubuild::store
