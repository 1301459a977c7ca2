#include "store/background_sha256.h"

namespace ubuild::store {

void BackgroundSha256::Update(const void* data, size_t len) {
  if (!pipe_) {
    if (head_.size() + len <= kInline) {
      head_.append(static_cast<const char*>(data), len);
      return;
    }
    pipe_ = std::make_unique<PipelinedSink>(hash_);
    pipe_->Write(head_.data(), head_.size());
    std::string().swap(head_);
  }
  pipe_->Write(data, len);
}

Digest BackgroundSha256::Final() {
  if (pipe_) {
    pipe_->Finish();
  } else {
    hash_.sha.Update(head_.data(), head_.size());
  }
  return hash_.sha.Final();
}

}  // namespace ubuild::store
