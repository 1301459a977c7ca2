#include "store/byte_source_archive.h"

#include <archive.h>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

int SupportFormat(struct archive* a, ByteSourceArchive::Format format) {
  return format == ByteSourceArchive::Format::kTar ? archive_read_support_format_tar(a)
                                                    : archive_read_support_format_raw(a);
}

}  // namespace

ByteSourceArchive::ByteSourceArchive(ByteSource& in, Format format, size_t buffer_size, const std::string& what,
                                     const std::string& open_failure)
    : in_(in), buffer_size_(buffer_size), buffer_(new char[buffer_size]), a_(archive_read_new(), &archive_read_free) {
  if (a_ == nullptr) {
    throw Error(format == Format::kTar ? "libarchive: cannot allocate a tar reader"
                                       : "libarchive: cannot allocate a reader",
                what);
  }
  if (archive_read_support_filter_all(get()) != ARCHIVE_OK || SupportFormat(get(), format) != ARCHIVE_OK ||
      archive_read_open(get(), this, nullptr, &ByteSourceArchive::ReadCallback, nullptr) != ARCHIVE_OK) {
    Fail(open_failure, what);
  }
}

long ByteSourceArchive::ReadCallback(struct archive*, void* self, const void** buf) {
  auto* me = static_cast<ByteSourceArchive*>(self);
  try {
    *buf = me->buffer_.get();
    return static_cast<long>(me->in_.Read(me->buffer_.get(), me->buffer_size_));
  } catch (...) {
    me->source_error_ = std::current_exception();
    return -1;
  }
}

void ByteSourceArchive::Fail(const std::string& doing, const std::string& where) const {
  if (source_error_) std::rethrow_exception(source_error_);
  const char* msg = archive_error_string(get());
  throw Error(doing + (msg != nullptr ? std::string(": ") + msg : std::string()), where);
}

}  // namespace ubuild::store
