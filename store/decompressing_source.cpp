#include "store/decompressing_source.h"

#include <archive.h>
#include <archive_entry.h>

namespace ubuild::store {

namespace {
constexpr size_t kBufferSize = 256 << 10;
}

bool LooksGzipped(const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

bool LooksZstd(const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  return len >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd;
}

DecompressingSource::DecompressingSource(ByteSource& compressed, std::string what)
    : what_(std::move(what)),
      archive_(compressed, ByteSourceArchive::Format::kRaw, kBufferSize, what_, "cannot decompress") {
  archive_entry* e = nullptr;
  if (archive_read_next_header(archive_.get(), &e) != ARCHIVE_OK) archive_.Fail("cannot decompress", what_);
}

size_t DecompressingSource::Read(void* data, size_t len) {
  la_ssize_t n = archive_read_data(archive_.get(), data, len);
  if (n < 0) archive_.Fail("decompressing", what_);
  return static_cast<size_t>(n);
}

}  // namespace ubuild::store
