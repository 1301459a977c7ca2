#pragma once
// A ByteSink that hands its bytes to another sink on a second thread, so
// the producer's work (replaying and hashing a layer) overlaps the
// consumer's (writing the archive). Bytes arrive in order, in chunks of
// up to kChunk; an error of the consumer surfaces from the next Write or
// from Finish. REQUIRES: Finish() before destruction on success; the
// destructor alone abandons what is still queued.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "store/byte_stream.h"

namespace ubuild::store {

class PipelinedSink : public ByteSink {
 public:
  explicit PipelinedSink(ByteSink& out);
  ~PipelinedSink() override;
  PipelinedSink(const PipelinedSink&) = delete;
  PipelinedSink& operator=(const PipelinedSink&) = delete;

  void Write(const void* data, size_t len) override;
  void Finish();  // flushes, waits for the consumer, rethrows its error

 private:
  static constexpr size_t kChunk = 1 << 20;
  static constexpr size_t kMaxQueued = 4;

  void Consume();
  void Push(std::string chunk);
  void Stop();

  ByteSink& out_;
  std::string current_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::deque<std::string> free_;  // spent chunks, reused to avoid reallocations
  bool closing_ = false;
  bool stopped_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace ubuild::store
