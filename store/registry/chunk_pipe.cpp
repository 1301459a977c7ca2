#include "store/registry/chunk_pipe.h"

#include <algorithm>
#include <cstring>

#include "store/base/error.h"

namespace ubuild::store::registry {

void ChunkPipe::Push(std::string chunk) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < max_queued_ || reader_stopped_; });
  if (reader_stopped_) throw Error("the reading side stopped", what_);
  queue_.push_back(std::move(chunk));
  if (!spare_.empty()) {
    filling_ = std::move(spare_.front());
    spare_.pop_front();
  }
  lock.unlock();
  cv_.notify_all();
}

void ChunkPipe::Write(const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    if (filling_.capacity() < chunk_) filling_.reserve(chunk_);
    size_t n = std::min(len, chunk_ - filling_.size());
    filling_.append(p, n);
    p += n;
    len -= n;
    if (filling_.size() == chunk_) {
      std::string full;
      full.swap(filling_);
      Push(std::move(full));
    }
  }
}

void ChunkPipe::Close() {
  if (!filling_.empty()) {
    std::string last;
    last.swap(filling_);
    Push(std::move(last));
  }
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

void ChunkPipe::Abort(std::exception_ptr error) {
  std::lock_guard lock(mu_);
  abort_ = std::move(error);
  cv_.notify_all();
}

size_t ChunkPipe::Read(void* data, size_t len) {
  if (reading_at_ == reading_.size()) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty() || closed_ || abort_; });
    if (abort_) std::rethrow_exception(abort_);
    if (queue_.empty()) return 0;
    reading_.clear();
    spare_.push_back(std::move(reading_));
    reading_ = std::move(queue_.front());
    queue_.pop_front();
    reading_at_ = 0;
    lock.unlock();
    cv_.notify_all();
  }
  size_t n = std::min(len, reading_.size() - reading_at_);
  std::memcpy(data, reading_.data() + reading_at_, n);
  reading_at_ += n;
  return n;
}

void ChunkPipe::StopReading() {
  std::lock_guard lock(mu_);
  reader_stopped_ = true;
  queue_.clear();
  cv_.notify_all();
}

bool ChunkPipe::aborted() const {
  std::lock_guard lock(mu_);
  return abort_ != nullptr;
}

}  // namespace ubuild::store::registry
