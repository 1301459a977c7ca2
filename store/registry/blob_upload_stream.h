#pragma once
// The bytes of a blob handed from the thread that makes them (a layer tar
// through the compressor) to the thread uploading them (libcurl's read
// callback under a streamed PATCH), so a layer is uploaded while it is
// compressed. A few MiB are held at most: a slow registry holds the
// compressor back. The bytes are hashed as written, so the blob's digest
// and size are known when the writer finishes.
//
// Either side can stop the other: the reader's Close() (the upload ended
// or failed) makes the writer's next Write throw, and the writer's Fail()
// (reading or compressing the layer failed) makes the reader's next Read
// throw that error.
#include <cstdint>
#include <exception>
#include <string>

#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/registry/chunk_pipe.h"

namespace ubuild::store::registry {

// A ChunkPipe of 1 MiB chunks (the compressor's block) that hashes what is
// written.
class BlobUploadStream : public ByteSink, public ByteSource {
 public:
  explicit BlobUploadStream(std::string what) : pipe_(std::move(what), kChunk, kMaxQueued) {}

  // The writer's side.
  void Write(const void* data, size_t len) override;
  void Finish();                       // the end of the blob
  void Fail(std::exception_ptr error) { pipe_.Abort(std::move(error)); }  // the blob cannot be made

  // The reader's side: 0 at the end of the blob.
  size_t Read(void* data, size_t len) override { return pipe_.Read(data, len); }
  void Close() { pipe_.StopReading(); }  // no more reading; the writer stops
  bool failed() const { return pipe_.aborted(); }  // the writer failed (its error is what Read threw)

  // After Finish().
  Digest digest() const { return digest_; }
  uint64_t size() const { return size_; }

 private:
  static constexpr size_t kChunk = 1 << 20;
  static constexpr size_t kMaxQueued = 4;

  ChunkPipe pipe_;
  Sha256 hash_;  // writer's
  Digest digest_;
  uint64_t size_ = 0;
};

}  // namespace ubuild::store::registry
