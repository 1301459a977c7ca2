#include "store/pipelined_sink.h"

#include <cstring>

namespace ubuild::store {

PipelinedSink::PipelinedSink(ByteSink& out) : out_(out) {
  current_.reserve(kChunk);
  thread_ = std::thread([this] { Consume(); });
}

PipelinedSink::~PipelinedSink() { Stop(); }

void PipelinedSink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PipelinedSink::Consume() {
  for (;;) {
    std::string chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_ || stopped_; });
      if (stopped_ || queue_.empty()) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    try {
      out_.Write(chunk.data(), chunk.size());
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
      stopped_ = true;
      queue_.clear();
      cv_.notify_all();
      return;
    }
    chunk.clear();
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(chunk));
  }
}

void PipelinedSink::Push(std::string chunk) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < kMaxQueued || stopped_; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(chunk));
  if (!free_.empty()) {
    current_ = std::move(free_.front());
    free_.pop_front();
  }
  lock.unlock();
  cv_.notify_all();
}

void PipelinedSink::Write(const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    size_t n = std::min(len, kChunk - current_.size());
    current_.append(p, n);
    p += n;
    len -= n;
    if (current_.size() == kChunk) {
      std::string full;
      full.swap(current_);
      current_.reserve(kChunk);
      Push(std::move(full));
    }
  }
}

void PipelinedSink::Finish() {
  if (!current_.empty()) {
    std::string last;
    last.swap(current_);
    Push(std::move(last));
  }
  Stop();
  if (error_) std::rethrow_exception(error_);
}

}  // namespace ubuild::store
