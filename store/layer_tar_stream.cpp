#include "store/layer_tar_stream.h"

#include <cerrno>

#include "store/base/error.h"

namespace ubuild::store {

namespace {
constexpr size_t kOutBuffer = 256 * 1024;
}

void LayerTarStream::Open(struct archive* a) {
  // Unbuffered, and no padding of the last record: Docker's (Go's) tar
  // writer ends with the two zero blocks and nothing more.
  archive_write_set_bytes_per_block(a, 0);
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open2(a, this, nullptr, &LayerTarStream::OnWrite, nullptr, nullptr) != ARCHIVE_OK) {
    throw Error(std::string("cannot start layer tar: ") + archive_error_string(a));
  }
}

la_ssize_t LayerTarStream::OnWrite(struct archive* a, void* self, const void* data, size_t len) {
  auto* s = static_cast<LayerTarStream*>(self);
  try {
    s->sha_.Update(data, len);
    s->size_ += len;
    if (!s->in_payload_ && s->split_ != nullptr) s->segment_.append(static_cast<const char*>(data), len);
    s->Emit(data, len);
    return static_cast<la_ssize_t>(len);
  } catch (...) {
    s->error_ = std::current_exception();
    archive_set_error(a, EIO, "output failed");
    return -1;
  }
}

void LayerTarStream::Emit(const void* data, size_t len) {
  if (out_ == nullptr) return;
  if (out_buffer_.size() + len > kOutBuffer) FlushOutput();
  if (len >= kOutBuffer) {
    out_->Write(data, len);
  } else {
    out_buffer_.append(static_cast<const char*>(data), len);
  }
}

void LayerTarStream::FlushOutput() {
  if (out_ == nullptr || out_buffer_.empty()) return;
  out_->Write(out_buffer_.data(), out_buffer_.size());
  out_buffer_.clear();
}

void LayerTarStream::FlushSegment() {
  if (split_ == nullptr) return;
  split_->Segment(segment_.data(), segment_.size());
  segment_.clear();
}

}  // namespace ubuild::store
