#pragma once
// The byte stream of a layer tar as libarchive reads it (the reading
// counterpart of layer_tar_stream.h), for ApplyLayerTar.
// Header-only: ApplyLayerTar is its one user, and keeps inlining
// SegmentUpTo/SkipPayload into its per-entry loop as when the class lived
// in layer_tar_applier.cpp.
#include <archive.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "store/base/error.h"
#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/tar_split.h"

namespace ubuild::store {

// Feeds libarchive from the ByteSource and sees every raw byte: all of them
// go into the digest; those that are not file payload are kept until they
// can be handed to tar-split as segments. Only bytes from `keep_from_` on are
// retained, so memory stays at about one read chunk plus one header.
class LayerTarTee {
 public:
  static constexpr size_t kReadChunk = 128 * 1024;
  static constexpr size_t kMaxSegmentLine = 1024 * 1024;

  LayerTarTee(ByteSource& in, TarSplitWriter* split) : in_(in), split_(split), buffer_(kReadChunk) {}

  static la_ssize_t OnRead(struct archive* a, void* self, const void** out) {
    auto* t = static_cast<LayerTarTee*>(self);
    try {
      size_t n = t->Pull();
      *out = t->buffer_.data();
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      t->error_ = std::current_exception();
      archive_set_error(a, EIO, "read failed");
      return -1;
    }
  }

  // Reads one chunk from the source into buffer_; 0 at the end.
  size_t Pull() {
    size_t n = in_.Read(buffer_.data(), buffer_.size());
    sha_.Update(buffer_.data(), n);
    if (split_ != nullptr && frontier_ + n > keep_from_) {
      // The bytes given away since the last chunk go in one move here,
      // not one per entry: a chunk holds a hundred small entries.
      retained_.erase(0, head_);
      head_ = 0;
      size_t skip = frontier_ >= keep_from_ ? 0 : static_cast<size_t>(keep_from_ - frontier_);
      retained_.append(buffer_.data() + skip, n - skip);
    }
    frontier_ += n;
    return n;
  }

  // Everything before `pos` that is not payload is one tar-split segment.
  void SegmentUpTo(uint64_t pos) {
    if (split_ == nullptr) return;
    size_t len = static_cast<size_t>(pos - keep_from_);
    if (pos < keep_from_ || len > retained_.size() - head_) throw Error("tar stream positions out of step (internal error)");
    const char* kept = retained_.data() + head_;
    for (size_t off = 0; off < len || (len == 0 && off == 0); off += kMaxSegmentLine) {
      split_->Segment(kept + off, std::min(kMaxSegmentLine, len - off));
      if (len == 0) break;
    }
    head_ += len;
    keep_from_ = pos;
  }

  // The next `len` bytes are a file payload: tar-split names them instead.
  void SkipPayload(uint64_t len) {
    keep_from_ += len;
    head_ += static_cast<size_t>(std::min<uint64_t>(len, retained_.size() - head_));
  }

  // After the end-of-archive marker: the rest of the stream, trailing zeros
  // included, is digested (as Docker does) and kept as the last segment.
  void Drain() {
    while (Pull() > 0) {
      if (retained_.size() - head_ > kMaxSegmentLine) SegmentUpTo(keep_from_ + (retained_.size() - head_));
    }
    SegmentUpTo(frontier_);
  }

  std::exception_ptr TakeError() { return std::exchange(error_, nullptr); }
  uint64_t size() const { return frontier_; }
  Digest Final() { return sha_.Final(); }

 private:
  ByteSource& in_;
  TarSplitWriter* split_;
  std::vector<char> buffer_;
  Sha256 sha_;
  uint64_t frontier_ = 0;   // raw bytes read from the source
  uint64_t keep_from_ = 0;  // start of the not-yet-recorded, non-payload bytes
  std::string retained_;    // from head_ on: the raw bytes [keep_from_, frontier_)
  size_t head_ = 0;
  std::exception_ptr error_;
};

}  // namespace ubuild::store
