#pragma once
// Reads a tar archive — plain or compressed (gzip, and whatever else
// libarchive's filters recognise) — member by member from a non-seekable
// ByteSource. The current member's bytes are themselves a ByteSource, so a
// layer can stream from the archive straight into the layer applier.
#include <cstdint>
#include <string>

#include "store/byte_source_archive.h"
#include "store/byte_stream.h"

namespace ubuild::store {

class TarArchiveInput {
 public:
  enum class Kind { kFile, kDirectory, kSymlink, kHardlink, kOther };
  struct Entry {
    std::string path;      // as stored in the header
    Kind kind = Kind::kOther;
    uint64_t size = 0;     // of a regular file
    std::string link;      // symlink or hardlink target
  };

  // `what` names the archive in errors ("archive hello.tar").
  TarArchiveInput(ByteSource& in, std::string what);
  TarArchiveInput(const TarArchiveInput&) = delete;
  TarArchiveInput& operator=(const TarArchiveInput&) = delete;

  // Advances to the next member (skipping the rest of the current one);
  // false at the end of the archive. Throws on a damaged or truncated archive.
  bool Next(Entry& entry);
  // The current member's data; Read returns 0 at its end.
  ByteSource& data() { return data_; }

 private:
  class DataSource : public ByteSource {
   public:
    explicit DataSource(TarArchiveInput& owner) : owner_(owner) {}
    size_t Read(void* data, size_t len) override;

   private:
    TarArchiveInput& owner_;
  };

  [[noreturn]] void Fail(const std::string& doing);

  std::string what_;
  ByteSourceArchive archive_;
  std::string current_;
  DataSource data_{*this};
};

}  // namespace ubuild::store
