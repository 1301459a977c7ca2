#include "store/registry/platform.h"

#include <gtest/gtest.h>

#include "store/base/error.h"
#include "store/registry/manifest.h"

namespace ubuild::store::registry {
namespace {

TEST(Platform, ParseAndAliases) {
  EXPECT_EQ(Platform::Parse("linux/amd64").String(), "linux/amd64");
  EXPECT_EQ(Platform::Parse("linux/x86_64").String(), "linux/amd64");
  EXPECT_EQ(Platform::Parse("Linux/aarch64").String(), "linux/arm64");
  EXPECT_EQ(Platform::Parse("linux/arm64/v8").String(), "linux/arm64/v8");
  EXPECT_EQ(Platform::Parse("linux/armhf").String(), "linux/arm/v7");
  EXPECT_THROW(Platform::Parse("linux"), Error);
  EXPECT_THROW(Platform::Parse("linux//v7"), Error);
  EXPECT_THROW(Platform::Parse("a/b/c/d"), Error);
}

TEST(Platform, HostIsLinux) {
  Platform host = Platform::Host();
  EXPECT_EQ(host.os, "linux");
  EXPECT_FALSE(host.architecture.empty());
}

TEST(Platform, Accepts) {
  Platform amd64{"linux", "amd64", ""};
  EXPECT_TRUE(Platform::Parse("linux/amd64").Accepts(amd64));
  EXPECT_FALSE(Platform::Parse("linux/arm64").Accepts(amd64));
  EXPECT_FALSE(Platform::Parse("windows/amd64").Accepts(amd64));
  // arm64's default variant is v8: "" and "v8" are the same platform.
  EXPECT_TRUE(Platform::Parse("linux/arm64/v8").Accepts(Platform{"linux", "arm64", ""}));
  EXPECT_TRUE(Platform::Parse("linux/arm64").Accepts(Platform{"linux", "arm64", "v8"}));
  EXPECT_TRUE(Platform::Parse("linux/arm/v7").Accepts(Platform{"linux", "arm", "v7"}));
  EXPECT_FALSE(Platform::Parse("linux/arm/v7").Accepts(Platform{"linux", "arm", "v6"}));
  EXPECT_TRUE(Platform::Parse("linux/arm").Accepts(Platform{"linux", "arm", "v6"}));
}

Manifest Index() {
  Manifest m;
  m.kind = Manifest::Kind::kIndex;
  auto add = [&](const std::string& hex_char, Platform p) {
    Descriptor d;
    d.digest = Digest::FromHex(std::string(64, hex_char[0]));
    d.platform = p;
    m.manifests.push_back(d);
  };
  add("a", {"linux", "amd64", ""});
  add("b", {"linux", "arm64", "v8"});
  add("c", {"linux", "arm", "v7"});
  add("d", {"unknown", "unknown", ""});
  return m;
}

TEST(ChoosePlatform, PicksTheMatchingEntry) {
  Manifest index = Index();
  EXPECT_EQ(ChoosePlatform(index, Platform::Parse("linux/arm64"), "x").digest.hex(), std::string(64, 'b'));
  EXPECT_EQ(ChoosePlatform(index, Platform::Parse("linux/arm/v7"), "x").digest.hex(), std::string(64, 'c'));
  EXPECT_EQ(ChoosePlatform(index, Platform::Parse("linux/amd64"), "x").digest.hex(), std::string(64, 'a'));
}

TEST(ChoosePlatform, NoMatchListsWhatThereIs) {
  try {
    ChoosePlatform(Index(), Platform::Parse("linux/s390x"), "img");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(),
              "img: no matching manifest for linux/s390x in the manifest list entries (available: linux/amd64, "
              "linux/arm64/v8, linux/arm/v7); choose one with --platform");
  }
}

}  // namespace
}  // namespace ubuild::store::registry
