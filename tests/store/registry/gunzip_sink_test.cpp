#include "store/registry/gunzip_sink.h"

#include <gtest/gtest.h>

#include "store/base/error.h"
#include "store/registry/gzip_sink.h"

namespace ubuild::store::registry {
namespace {

std::string Gzip(const std::string& data) {
  StringSink out;
  GzipSink gz(out, "test");
  gz.Write(data.data(), data.size());
  gz.Finish();
  return out.out;
}

std::string Gunzip(const std::string& gz, size_t chunk, bool check_crc = true) {
  StringSink out;
  GunzipSink g(out, "test", check_crc);
  for (size_t i = 0; i < gz.size(); i += chunk) g.Write(gz.data() + i, std::min(chunk, gz.size() - i));
  g.Finish();
  return out.out;
}

std::string Data() {
  std::string s;
  for (int i = 0; i < (5 << 20) / 2; ++i) s += static_cast<char>((i * 2654435761u) >> 24) + std::string(1, 'x');
  return s;
}

TEST(GunzipSink, RoundTripsInAnyChunking) {
  const std::string data = Data();
  const std::string gz = Gzip(data);
  EXPECT_EQ(Gunzip(gz, 1 << 20), data);
  EXPECT_EQ(Gunzip(gz, 4093), data);
}

TEST(GunzipSink, ConcatenatedMembersAreOneStream) {
  EXPECT_EQ(Gunzip(Gzip("first ") + Gzip("second"), 7), "first second");
}

TEST(GunzipSink, TruncatedAndCorruptStreamsThrow) {
  const std::string gz = Gzip(Data());
  EXPECT_THROW(Gunzip(gz.substr(0, gz.size() / 2), 1 << 16), Error);
  std::string bad = gz;
  bad[12] = static_cast<char>(bad[12] ^ 0xff);
  bad[13] = static_cast<char>(bad[13] ^ 0xff);
  EXPECT_THROW(Gunzip(bad, 1 << 16), Error);
}

// A flipped bit in the stored CRC-32 fails only when the CRC is checked;
// concatenated members still decompress whole without it.
TEST(GunzipSink, CrcCheckCanBeLeftToTheCaller) {
  const std::string data = Data();
  std::string gz = Gzip(data);
  gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 1);
  EXPECT_THROW(Gunzip(gz, 1 << 16), Error);
  EXPECT_EQ(Gunzip(gz, 1 << 16, false), data);
  EXPECT_EQ(Gunzip(Gzip("first ") + Gzip("second"), 7, false), "first second");
}

}  // namespace
}  // namespace ubuild::store::registry
