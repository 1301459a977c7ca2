#include "store/registry/blob_upload_stream.h"

#include <algorithm>
#include <cstring>

#include "store/base/error.h"

namespace ubuild::store::registry {

void BlobUploadStream::Write(const void* data, size_t len) {
  hash_.Update(data, len);
  size_ += len;
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    if (current_.capacity() < kChunk) current_.reserve(kChunk);
    const size_t n = std::min(len, kChunk - current_.size());
    current_.append(p, n);
    p += n;
    len -= n;
    if (current_.size() == kChunk) {
      std::unique_lock lock(mu_);
      Push(lock);
    }
  }
}

void BlobUploadStream::Push(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return queue_.size() < kMaxQueued || closed_; });
  if (closed_) throw Error("the upload stopped", what_);
  queue_.push_back(std::move(current_));
  current_ = std::string();
  cv_.notify_all();
}

void BlobUploadStream::Finish() {
  digest_ = hash_.Final();
  std::unique_lock lock(mu_);
  if (!current_.empty()) Push(lock);
  finished_ = true;
  cv_.notify_all();
}

void BlobUploadStream::Fail(std::exception_ptr error) {
  std::lock_guard lock(mu_);
  error_ = std::move(error);
  cv_.notify_all();
}

size_t BlobUploadStream::Read(void* data, size_t len) {
  if (read_at_ == reading_.size()) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty() || finished_ || error_; });
    if (error_) std::rethrow_exception(error_);
    if (queue_.empty()) return 0;
    reading_ = std::move(queue_.front());
    queue_.pop_front();
    read_at_ = 0;
    cv_.notify_all();
  }
  const size_t n = std::min(len, reading_.size() - read_at_);
  std::memcpy(data, reading_.data() + read_at_, n);
  read_at_ += n;
  return n;
}

void BlobUploadStream::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  queue_.clear();
  cv_.notify_all();
}

bool BlobUploadStream::failed() const {
  std::lock_guard lock(mu_);
  return error_ != nullptr;
}

}  // namespace ubuild::store::registry
