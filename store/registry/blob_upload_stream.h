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
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>

#include "store/byte_stream.h"
#include "store/digest.h"

namespace ubuild::store::registry {

class BlobUploadStream : public ByteSink, public ByteSource {
 public:
  explicit BlobUploadStream(std::string what) : what_(std::move(what)) {}

  // The writer's side.
  void Write(const void* data, size_t len) override;
  void Finish();                       // the end of the blob
  void Fail(std::exception_ptr error);  // the blob cannot be made

  // The reader's side: 0 at the end of the blob.
  size_t Read(void* data, size_t len) override;
  void Close();  // no more reading; the writer stops
  bool failed() const;  // the writer failed (its error is what Read threw)

  // After Finish().
  Digest digest() const { return digest_; }
  uint64_t size() const { return size_; }

 private:
  static constexpr size_t kChunk = 1 << 20;
  static constexpr size_t kMaxQueued = 4;

  void Push(std::unique_lock<std::mutex>& lock);

  std::string what_;
  Sha256 hash_;  // writer's
  Digest digest_;
  uint64_t size_ = 0;
  std::string current_;  // writer's chunk being filled

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::string reading_;  // reader's chunk being drained
  size_t read_at_ = 0;
  bool finished_ = false;
  bool closed_ = false;
  std::exception_ptr error_;
};

}  // namespace ubuild::store::registry
