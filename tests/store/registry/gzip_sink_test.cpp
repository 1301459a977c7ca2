#include "store/registry/gzip_sink.h"

#include <gtest/gtest.h>

#include <random>

#include "store/decompressing_source.h"
#include "store/registry/gunzip_sink.h"

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

// zlib's reader, member after member.
std::string Decompress(const std::string& gz) {
  StringSink out;
  GunzipSink gunzip(out, "test");
  gunzip.Write(gz.data(), gz.size());
  gunzip.Finish();
  return out.out;
}

TEST(GzipSink, EmptyInputIsOneEmptyMember) {
  std::string gz = Compress("", 1);
  ASSERT_GT(gz.size(), 18u);
  EXPECT_EQ(gz.substr(0, 3), "\x1f\x8b\x08");
  // CRC-32 and size of nothing: both 0.
  EXPECT_EQ(gz.substr(gz.size() - 8), std::string(8, '\0'));
  EXPECT_EQ(Decompress(gz), "");
}

// One member per 1 MiB block, and no empty member after an input that
// ends on a block boundary.
TEST(GzipSink, OneMemberPerMebibyte) {
  const std::string data = Data().substr(0, 2 << 20);
  std::string gz = Compress(data, 4096);
  size_t members = 0;
  for (size_t at = 0; (at = gz.find("\x1f\x8b\x08\0\0\0\0\0\0\x03", at)) != std::string::npos; ++at) ++members;
  EXPECT_EQ(members, 2u);
  EXPECT_EQ(Decompress(gz), data);
}

}  // namespace
}  // namespace ubuild::store::registry

namespace ubuild::store::registry {
namespace {

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(GzipSink, IncompressibleBlocksAreStored) {
  const std::string data = RandomBytes((2 << 20) + 70000, 3);
  std::string gz = Compress(data, 1 << 16);
  EXPECT_EQ(Decompress(gz), data);
  // Three members (two whole blocks, the rest), each: header, stored blocks
  // of at most 65535 bytes with 5 bytes of framing each, trailer.
  const size_t stored = 2 * (10 + (1 << 20) + 17 * 5 + 8) + (10 + 70000 + 2 * 5 + 8);
  EXPECT_EQ(gz.size(), stored);
  EXPECT_EQ(gz[10], 0) << "the first block is stored (BTYPE 00), not final";
  EXPECT_EQ(gz, Compress(data, 4096));
}

TEST(GzipSink, ABlockWithACompressibleSliceIsCompressed) {
  // Random but for the last 16 KiB, which is text: the probe's last slice.
  std::string data = RandomBytes(1 << 20, 5);
  for (size_t i = data.size() - (16 << 10); i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 3);
  std::string gz = Compress(data, 1 << 16);
  EXPECT_EQ(Decompress(gz), data);
  EXPECT_LT(gz.size(), data.size() - (15 << 10));
}

}  // namespace
}  // namespace ubuild::store::registry
