#pragma once
// tar-split, as Docker's layer store keeps it: the tar's headers and padding
// as JSON lines (type 2: raw segment bytes, base64 "payload"; type 1: a file
// entry "name" + "size" whose payload lives in the diff directory), gzip'd.
// Replaying it against the diff directory gives back the exact tar bytes.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "store/byte_stream.h"
#include "store/digest.h"

namespace ubuild::store {

class TarSplitWriter {
 public:
  explicit TarSplitWriter(const std::filesystem::path& gz_path);  // creates/truncates
  ~TarSplitWriter();
  void Segment(const void* data, size_t len);                 // raw header/padding bytes
  void File(const std::string& name, uint64_t size, const std::string& crc64_base64 = {});
  void Close();  // flushes; must be called before the file is used

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the original tar to `out`, reading payloads from diff_dir. Throws
// ubuild::Error if a payload is missing or has a different size, and — with
// check_crc — if its content no longer matches the crc64 tar-split recorded,
// naming the file. A caller that verifies the returned digest against the
// layer's diff_id anyway (LayerStore::WriteTar) can skip the crc64 pass,
// which costs as much CPU as the SHA-256 itself on large layers.
Digest ReplayTarSplit(const std::filesystem::path& gz_path, const std::filesystem::path& diff_dir,
                      ByteSink& out, bool check_crc = true);

}  // namespace ubuild::store
