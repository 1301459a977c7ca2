#pragma once
// Bytes from one thread to another: the writing side is a ByteSink, the
// reading side a ByteSource, joined by a queue of at most kMaxQueued chunks
// so memory stays bounded whichever side is slower. A pulled layer's
// download (hashing, decompressing) writes into it while another thread
// unpacks the tar from it, so both halves run on their own core; a pushed
// layer's compressor writes into one that the upload reads
// (blob_upload_stream.h).
// Either side may give up: Abort() makes the reader's next Read throw the
// given error, StopReading() makes the writer's next Write throw.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>

#include "store/byte_stream.h"

namespace ubuild::store::registry {

class ChunkPipe {
 public:
  static constexpr size_t kChunk = 256 << 10;
  static constexpr size_t kMaxQueued = 8;

  // At most `max_queued` chunks of `chunk` bytes wait; `what` names the
  // stream in errors.
  explicit ChunkPipe(std::string what, size_t chunk = kChunk, size_t max_queued = kMaxQueued)
      : what_(std::move(what)), chunk_(chunk), max_queued_(max_queued) {}
  ChunkPipe(const ChunkPipe&) = delete;
  ChunkPipe& operator=(const ChunkPipe&) = delete;

  // Writer: blocks while the queue is full; throws once the reader stopped.
  void Write(const void* data, size_t len);
  void Close();                           // the end of the stream, after a Flush of what is buffered
  void Abort(std::exception_ptr error);   // the reader's next Read throws `error`

  // Reader: 0 at the end; throws the writer's Abort error.
  size_t Read(void* data, size_t len);
  void StopReading();  // the writer's next Write throws; queued bytes are dropped
  bool aborted() const;  // the writer aborted (its error is what Read threw)

  ByteSink& sink() { return sink_; }
  ByteSource& source() { return source_; }

 private:
  class Sink : public ByteSink {
   public:
    explicit Sink(ChunkPipe& pipe) : pipe_(pipe) {}
    void Write(const void* data, size_t len) override { pipe_.Write(data, len); }

   private:
    ChunkPipe& pipe_;
  };
  class Source : public ByteSource {
   public:
    explicit Source(ChunkPipe& pipe) : pipe_(pipe) {}
    size_t Read(void* data, size_t len) override { return pipe_.Read(data, len); }

   private:
    ChunkPipe& pipe_;
  };

  void Push(std::string chunk);

  const std::string what_;
  const size_t chunk_;
  const size_t max_queued_;
  Sink sink_{*this};
  Source source_{*this};
  std::string filling_;  // the writer's chunk being filled
  std::string reading_;  // the reader's current chunk, from reading_at_
  size_t reading_at_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::deque<std::string> spare_;  // drained chunks, reused by the writer
  bool closed_ = false;
  bool reader_stopped_ = false;
  std::exception_ptr abort_;
};

}  // namespace ubuild::store::registry
