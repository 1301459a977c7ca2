#include "store/tar_archive_input.h"

#include <archive.h>
#include <archive_entry.h>

#include "store/base/error.h"

namespace ubuild::store {

namespace {
constexpr size_t kBufferSize = 1 << 20;
}

TarArchiveInput::TarArchiveInput(ByteSource& in, std::string what)
    : in_(in), what_(std::move(what)), buffer_(new char[kBufferSize]) {
  a_ = archive_read_new();
  if (a_ == nullptr) throw Error("libarchive: cannot allocate a tar reader", what_);
  if (archive_read_support_filter_all(a_) != ARCHIVE_OK || archive_read_support_format_tar(a_) != ARCHIVE_OK ||
      archive_read_open(a_, this, nullptr, &TarArchiveInput::ReadCallback, nullptr) != ARCHIVE_OK) {
    Fail("not a tar archive");
  }
}

TarArchiveInput::~TarArchiveInput() {
  if (a_ != nullptr) archive_read_free(a_);
}

long TarArchiveInput::ReadCallback(struct archive*, void* self, const void** buf) {
  auto* me = static_cast<TarArchiveInput*>(self);
  try {
    *buf = me->buffer_.get();
    return static_cast<long>(me->in_.Read(me->buffer_.get(), kBufferSize));
  } catch (...) {
    me->source_error_ = std::current_exception();
    return -1;
  }
}

void TarArchiveInput::Fail(const std::string& doing) {
  if (source_error_) std::rethrow_exception(source_error_);
  const char* msg = archive_error_string(a_);
  std::string where = current_.empty() ? what_ : what_ + ": " + current_;
  throw Error(doing + (msg != nullptr ? std::string(": ") + msg : std::string()), where);
}

bool TarArchiveInput::Next(Entry& entry) {
  archive_entry* e = nullptr;
  int r = archive_read_next_header(a_, &e);
  if (r == ARCHIVE_EOF) {
    current_.clear();
    return false;
  }
  // Warnings (e.g. an unknown pax keyword) still give a usable header.
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) Fail(current_.empty() ? "reading tar archive" : "reading next member");
  const char* path = archive_entry_pathname(e);
  entry = Entry{};
  entry.path = path != nullptr ? path : "";
  current_ = entry.path;
  const char* hardlink = archive_entry_hardlink(e);
  if (hardlink != nullptr) {
    entry.kind = Kind::kHardlink;
    entry.link = hardlink;
    return true;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      entry.kind = Kind::kFile;
      entry.size = static_cast<uint64_t>(archive_entry_size(e));
      break;
    case AE_IFDIR:
      entry.kind = Kind::kDirectory;
      break;
    case AE_IFLNK: {
      entry.kind = Kind::kSymlink;
      const char* target = archive_entry_symlink(e);
      entry.link = target != nullptr ? target : "";
      break;
    }
    default:
      entry.kind = Kind::kOther;
  }
  return true;
}

size_t TarArchiveInput::DataSource::Read(void* data, size_t len) {
  la_ssize_t n = archive_read_data(owner_.a_, data, len);
  if (n < 0) owner_.Fail("reading member data");
  return static_cast<size_t>(n);
}

}  // namespace ubuild::store
