#pragma once
// A libarchive reader that pulls its input from a ByteSource, with every
// decompression filter libarchive has: what DecompressingSource and
// TarArchiveInput both stand on. An exception the source throws inside
// libarchive's read callback cannot cross libarchive's C frames, so it is
// kept and Fail rethrows it in place of libarchive's own message.
#include <cstddef>
#include <exception>
#include <memory>
#include <string>

#include "store/byte_stream.h"

struct archive;

namespace ubuild::store {

class ByteSourceArchive {
 public:
  enum class Format {
    kRaw,  // the whole (decompressed) stream as one member
    kTar,
  };

  // Reads `in` through a buffer of `buffer_size` bytes. A stream libarchive
  // cannot open throws Fail(open_failure, what).
  ByteSourceArchive(ByteSource& in, Format format, size_t buffer_size, const std::string& what,
                    const std::string& open_failure);
  ByteSourceArchive(const ByteSourceArchive&) = delete;
  ByteSourceArchive& operator=(const ByteSourceArchive&) = delete;

  struct archive* get() const { return a_.get(); }

  // Throws the source's own exception if reading it failed, else an Error
  // "<doing>: <libarchive's message>" about `where`.
  [[noreturn]] void Fail(const std::string& doing, const std::string& where) const;

 private:
  static long ReadCallback(struct archive*, void* self, const void** buf);

  ByteSource& in_;
  size_t buffer_size_;
  std::unique_ptr<char[]> buffer_;
  std::exception_ptr source_error_;
  std::unique_ptr<struct archive, int (*)(struct archive*)> a_;
};

}  // namespace ubuild::store
