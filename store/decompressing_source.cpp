#include "store/decompressing_source.h"

#include <archive.h>
#include <archive_entry.h>

#include "store/base/error.h"

namespace ubuild::store {

namespace {
constexpr size_t kBufferSize = 256 << 10;
}

bool LooksGzipped(const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

DecompressingSource::DecompressingSource(ByteSource& compressed, std::string what)
    : in_(compressed), what_(std::move(what)), buffer_(new char[kBufferSize]) {
  a_ = archive_read_new();
  if (a_ == nullptr) throw Error("libarchive: cannot allocate a reader", what_);
  archive_entry* e = nullptr;
  if (archive_read_support_filter_all(a_) != ARCHIVE_OK || archive_read_support_format_raw(a_) != ARCHIVE_OK ||
      archive_read_open(a_, this, nullptr, &DecompressingSource::ReadCallback, nullptr) != ARCHIVE_OK ||
      archive_read_next_header(a_, &e) != ARCHIVE_OK) {
    Fail("cannot decompress");
  }
}

DecompressingSource::~DecompressingSource() {
  if (a_ != nullptr) archive_read_free(a_);
}

long DecompressingSource::ReadCallback(struct archive*, void* self, const void** buf) {
  auto* me = static_cast<DecompressingSource*>(self);
  try {
    *buf = me->buffer_.get();
    return static_cast<long>(me->in_.Read(me->buffer_.get(), kBufferSize));
  } catch (...) {
    me->source_error_ = std::current_exception();
    return -1;
  }
}

void DecompressingSource::Fail(const std::string& doing) {
  if (source_error_) std::rethrow_exception(source_error_);
  const char* msg = archive_error_string(a_);
  throw Error(doing + (msg != nullptr ? std::string(": ") + msg : std::string()), what_);
}

size_t DecompressingSource::Read(void* data, size_t len) {
  la_ssize_t n = archive_read_data(a_, data, len);
  if (n < 0) Fail("decompressing");
  return static_cast<size_t>(n);
}

}  // namespace ubuild::store
