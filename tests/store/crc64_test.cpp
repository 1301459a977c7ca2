#include "store/crc64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace ubuild::store {
namespace {

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

uint64_t TableCrc(const std::string& data) {
  Crc64Iso crc;
  crc.DisableFoldingForTest();
  crc.Update(data.data(), data.size());
  return crc.value();
}

TEST(Crc64Iso, FoldingMatchesTablesAtEveryLengthAndOffset) {
  const std::string data = RandomBytes(4096 + 64, 7);
  // Lengths around each branch of the folding loop (64-byte blocks,
  // 16-byte blocks, tail) and unaligned starts.
  for (size_t offset : {0u, 1u, 3u, 8u, 15u}) {
    for (size_t len = 0; len <= 600; ++len) {
      const std::string part = data.substr(offset, len);
      Crc64Iso crc;
      crc.Update(part.data(), part.size());
      ASSERT_EQ(crc.value(), TableCrc(part)) << "offset " << offset << " length " << len;
    }
  }
}

TEST(Crc64Iso, FoldingContinuesFromAPreviousValue) {
  const std::string data = RandomBytes(1 << 20, 11);
  Crc64Iso whole;
  whole.Update(data.data(), data.size());
  EXPECT_EQ(whole.value(), TableCrc(data));
  // Chunks of odd sizes, as read() hands them out.
  Crc64Iso chunks;
  size_t pos = 0, step = 1;
  while (pos < data.size()) {
    const size_t n = std::min(step, data.size() - pos);
    chunks.Update(data.data() + pos, n);
    pos += n;
    step = step * 3 + 1;
  }
  EXPECT_EQ(chunks.value(), whole.value());
}

}  // namespace
}  // namespace ubuild::store
