#include "store/tar_archive_input.h"

#include <archive.h>
#include <archive_entry.h>

namespace ubuild::store {

namespace {
constexpr size_t kBufferSize = 1 << 20;
}

TarArchiveInput::TarArchiveInput(ByteSource& in, std::string what)
    : what_(std::move(what)), archive_(in, ByteSourceArchive::Format::kTar, kBufferSize, what_, "not a tar archive") {}

void TarArchiveInput::Fail(const std::string& doing) {
  archive_.Fail(doing, current_.empty() ? what_ : what_ + ": " + current_);
}

bool TarArchiveInput::Next(Entry& entry) {
  archive_entry* e = nullptr;
  int r = archive_read_next_header(archive_.get(), &e);
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
  la_ssize_t n = archive_read_data(owner_.archive_.get(), data, len);
  if (n < 0) owner_.Fail("reading member data");
  return static_cast<size_t>(n);
}

}  // namespace ubuild::store
