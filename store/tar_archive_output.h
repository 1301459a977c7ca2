#pragma once
// The outer tar of `ubuild save` (design.md §7). Every entry gets the same
// fixed header fields — mode 0644 (files) / 0755 (dirs), uid/gid 0, no user
// or group names, mtime 0 — so the same content always gives the same bytes.
// Plain ustar headers unless a field needs a pax extension; no record
// padding after the two end-of-archive blocks (as Go's archive/tar writes).
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "store/byte_stream.h"

struct archive;

namespace ubuild::store {

class TarArchiveOutput {
 public:
  explicit TarArchiveOutput(ByteSink& out);
  ~TarArchiveOutput();
  TarArchiveOutput(const TarArchiveOutput&) = delete;
  TarArchiveOutput& operator=(const TarArchiveOutput&) = delete;

  void AddDirectory(const std::string& name);  // "blobs/"
  void AddFile(const std::string& name, std::string_view bytes);
  // Starts a file whose `size` bytes the caller then writes to the returned
  // sink, which refuses any byte beyond `size`; EndFile checks the count.
  ByteSink& BeginFile(const std::string& name, uint64_t size);
  void EndFile();
  // Writes the end-of-archive blocks. REQUIRES: no file is open.
  void Close();

 private:
  class EntrySink : public ByteSink {
   public:
    explicit EntrySink(TarArchiveOutput& owner) : owner_(owner) {}
    void Write(const void* data, size_t len) override;
    std::string name;
    uint64_t size = 0;
    uint64_t written = 0;
    bool open = false;

   private:
    TarArchiveOutput& owner_;
  };

  void WriteHeader(const std::string& name, bool directory, uint64_t size);
  [[noreturn]] void Fail(const std::string& doing);
  static long WriteCallback(struct archive*, void* self, const void* buf, size_t len);

  ByteSink& out_;
  struct archive* a_ = nullptr;
  EntrySink entry_{*this};
  bool closed_ = false;
  std::exception_ptr sink_error_;
};

}  // namespace ubuild::store
