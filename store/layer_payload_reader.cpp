#include "store/layer_payload_reader.h"

#include <exception>

#include "store/base/error.h"
#include "store/base64.h"
#include "store/byte_stream.h"
#include "store/crc64.h"

namespace ubuild::store {

namespace {
constexpr size_t kReadChunk = 128 * 1024;
}  // namespace

LayerPayloadReader::LayerPayloadReader(struct archive* a, LayerTarTee& tee, TarSplitWriter* split,
                                       const std::string& what)
    : a_(a), tee_(tee), split_(split), what_(what), buffer_(kReadChunk) {}

void LayerPayloadReader::Reject(const std::string& entry, const std::string& why) const {
  throw Error("entry \"" + entry + "\": " + why, what_);
}

void LayerPayloadReader::Read(const std::string& entry, struct archive_entry* e, int fd, const std::string& path,
                              std::string* keep) {
  const la_int64_t size = archive_entry_size(e);
  if (keep != nullptr) keep->reserve(static_cast<size_t>(size));
  Crc64Iso crc;
  la_int64_t total = 0;
  for (;;) {
    la_ssize_t n = archive_read_data(a_, buffer_.data(), buffer_.size());
    if (n < 0) {
      if (std::exception_ptr err = tee_.TakeError()) std::rethrow_exception(err);
      Reject(entry, std::string("cannot read file data: ") + archive_error_string(a_));
    }
    if (n == 0) break;
    if (split_ != nullptr) crc.Update(buffer_.data(), static_cast<size_t>(n));
    if (keep != nullptr) keep->append(buffer_.data(), static_cast<size_t>(n));
    if (fd >= 0) FdSink(fd, path).Write(buffer_.data(), static_cast<size_t>(n));
    total += n;
  }
  if (total != size) Reject(entry, "file data is " + std::to_string(total) + " bytes, header says " + std::to_string(size));
  if (split_ != nullptr) {
    split_->File(archive_entry_pathname(e), static_cast<uint64_t>(size),
                 size > 0 ? Base64Encode(crc.BigEndianBytes()) : std::string());
  }
  content_size_ += static_cast<uint64_t>(size);
}

void LayerPayloadReader::Skip(const std::string& entry, struct archive_entry* e, bool is_regular) {
  if (is_regular) {
    Read(entry, e, -1, {});
  } else {
    if (split_ != nullptr) split_->File(entry, 0);
    if (archive_read_data_skip(a_) != ARCHIVE_OK) Reject(entry, "cannot skip data");
  }
}

}  // namespace ubuild::store
