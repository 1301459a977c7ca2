#pragma once
// CRC-64/ISO as Go's hash/crc64 computes it with crc64.ISO: the checksum
// tar-split stores (8 bytes, big-endian, base64) for each file payload.
#include <cstddef>
#include <cstdint>
#include <string>

namespace ubuild::store {

class Crc64Iso {
 public:
  void Update(const void* data, size_t len);
  uint64_t value() const { return crc_; }
  // The 8 big-endian bytes Go's Sum(nil) returns.
  std::string BigEndianBytes() const;

  // Tests compare the carry-less multiply path against the tables.
  void DisableFoldingForTest() { use_folding_ = false; }

 private:
  uint64_t crc_ = 0;
  bool use_folding_ = true;
};

}  // namespace ubuild::store
