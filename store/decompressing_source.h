#pragma once
// A ByteSource giving the decompressed bytes of a gzip (or other
// libarchive-recognised) compressed ByteSource. Used for compressed layer
// blobs in archives and for reading tar-split files.
#include <exception>
#include <memory>
#include <string>

#include "store/byte_stream.h"

struct archive;

namespace ubuild::store {

class DecompressingSource : public ByteSource {
 public:
  // `what` names the stream in errors.
  DecompressingSource(ByteSource& compressed, std::string what);
  ~DecompressingSource() override;
  DecompressingSource(const DecompressingSource&) = delete;
  DecompressingSource& operator=(const DecompressingSource&) = delete;

  size_t Read(void* data, size_t len) override;

 private:
  [[noreturn]] void Fail(const std::string& doing);
  static long ReadCallback(struct archive*, void* self, const void** buf);

  ByteSource& in_;
  std::string what_;
  struct archive* a_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  std::exception_ptr source_error_;
};

// True when the bytes start with the gzip magic number.
bool LooksGzipped(const void* data, size_t len);

}  // namespace ubuild::store
