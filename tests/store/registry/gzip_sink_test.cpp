#include "store/registry/gzip_sink.h"

#include <gtest/gtest.h>

#include <random>

#include "store/decompressing_source.h"

namespace ubuild::store::registry {
namespace {

std::string Compress(const std::string& data, size_t chunk) {
  StringSink out;
  GzipSink gz(out, "test");
  for (size_t i = 0; i < data.size(); i += chunk) gz.Write(data.data() + i, std::min(chunk, data.size() - i));
  gz.Finish();
  return out.out;
}

std::string Data() {
  std::mt19937 rng(7);
  std::string s;
  for (int i = 0; i < 3 << 20; ++i) s += static_cast<char>(i % 5 == 0 ? rng() % 256 : 'a' + i % 7);
  return s;
}

TEST(GzipSink, RoundTripsThroughADecompressor) {
  const std::string data = Data();
  std::string gz = Compress(data, 64 << 10);
  ASSERT_TRUE(LooksGzipped(gz.data(), gz.size()));
  EXPECT_LT(gz.size(), data.size());
  StringSource in(gz);
  DecompressingSource plain(in, "test");
  std::string back;
  char buf[1 << 16];
  for (size_t n; (n = plain.Read(buf, sizeof buf)) > 0;) back.append(buf, n);
  EXPECT_EQ(back, data);
}

TEST(GzipSink, SameBytesWhateverTheWriteSizes) {
  const std::string data = Data();
  std::string a = Compress(data, 512);
  EXPECT_EQ(a, Compress(data, 1 << 20));
  // No name and a zero mtime in the header (RFC 1952 §2.3).
  EXPECT_EQ(a.substr(4, 4), std::string(4, '\0'));
  EXPECT_EQ(a[3] & 0x08, 0);
}

TEST(GzipSink, EmptyInputIsAHeaderAnEmptyBlockAndATrailer) {
  std::string gz = Compress("", 1);
  // 10-byte header, the 2-byte final empty block, CRC-32 and size (both 0).
  ASSERT_EQ(gz.size(), 20u);
  EXPECT_EQ(gz.substr(12), std::string(8, '\0'));
}

}  // namespace
}  // namespace ubuild::store::registry
