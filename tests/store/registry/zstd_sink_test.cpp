#include "store/registry/zstd_sink.h"

#include <gtest/gtest.h>

#include <random>

#include "store/decompressing_source.h"

namespace ubuild::store::registry {
namespace {

std::string Compress(const std::string& data, size_t chunk, int workers) {
  StringSink out;
  ZstdSink z(out, 3, "test", workers);
  for (size_t i = 0; i < data.size(); i += chunk) z.Write(data.data() + i, std::min(chunk, data.size() - i));
  z.Finish();
  return out.out;
}

std::string Data() {
  std::mt19937 rng(5);
  std::string s;
  for (int i = 0; i < 9 << 20; ++i) s += static_cast<char>(i % 3 == 0 ? rng() % 256 : 'a' + i % 11);
  return s;
}

TEST(ZstdSink, RoundTripsThroughADecompressor) {
  const std::string data = Data();
  std::string z = Compress(data, 64 << 10, 0);
  ASSERT_TRUE(LooksZstd(z.data(), z.size()));
  EXPECT_LT(z.size(), data.size());
  StringSource in(z);
  DecompressingSource plain(in, "test");
  std::string back;
  char buf[1 << 16];
  for (size_t n; (n = plain.Read(buf, sizeof buf)) > 0;) back.append(buf, n);
  EXPECT_EQ(back, data);
}

// A reproducible build pushes the same blob on any machine.
TEST(ZstdSink, SameBytesWhateverTheWorkersAndWriteSizes) {
  const std::string data = Data();
  std::string one = Compress(data, 777, 1);
  EXPECT_EQ(one, Compress(data, 1 << 20, 3));
  EXPECT_EQ(one, Compress(data, 4 << 20, 8));
}

}  // namespace
}  // namespace ubuild::store::registry
