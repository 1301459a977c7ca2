#include "store/registry/unzstd_sink.h"

#include <gtest/gtest.h>

#include <random>

#include "store/base/error.h"
#include "store/registry/zstd_sink.h"

namespace ubuild::store::registry {
namespace {

std::string Zstd(const std::string& data) {
  StringSink out;
  ZstdSink z(out, 3, "test", 1);
  z.Write(data.data(), data.size());
  z.Finish();
  return out.out;
}

std::string Unzstd(const std::string& z, size_t chunk) {
  StringSink out;
  UnzstdSink u(out, "test");
  for (size_t i = 0; i < z.size(); i += chunk) u.Write(z.data() + i, std::min(chunk, z.size() - i));
  u.Finish();
  return out.out;
}

std::string Data() {
  std::mt19937 rng(7);
  std::string s;
  for (int i = 0; i < 3 << 20; ++i) s += static_cast<char>(i % 4 == 0 ? rng() % 256 : 'a' + i % 13);
  return s;
}

TEST(UnzstdSink, RoundTripsInAnyChunking) {
  const std::string data = Data();
  const std::string z = Zstd(data);
  EXPECT_EQ(Unzstd(z, 1 << 20), data);
  EXPECT_EQ(Unzstd(z, 4093), data);
  EXPECT_EQ(Unzstd(z, 7), data);
}

TEST(UnzstdSink, ConcatenatedFramesAreOneStream) {
  EXPECT_EQ(Unzstd(Zstd("first ") + Zstd("second"), 5), "first second");
}

TEST(UnzstdSink, TruncatedCorruptAndEmptyStreamsThrow) {
  const std::string z = Zstd(Data());
  EXPECT_THROW(Unzstd(z.substr(0, z.size() / 2), 1 << 16), Error);
  std::string bad = z;
  bad[z.size() / 2] = static_cast<char>(bad[z.size() / 2] ^ 0xff);
  EXPECT_THROW(Unzstd(bad, 1 << 16), Error);
  EXPECT_THROW(Unzstd("", 1), Error);
}

}  // namespace
}  // namespace ubuild::store::registry
