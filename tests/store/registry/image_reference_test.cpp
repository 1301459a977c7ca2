#include "store/registry/image_reference.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ImageReference, OfficialImageGetsDockerHubLibraryAndLatest) {
  ImageReference r = ImageReference::Parse("alpine");
  EXPECT_EQ(r.domain, "docker.io");
  EXPECT_EQ(r.path, "library/alpine");
  EXPECT_EQ(r.tag, "latest");
  EXPECT_FALSE(r.digest);
  EXPECT_EQ(r.String(), "docker.io/library/alpine:latest");
  EXPECT_EQ(r.FamiliarName(), "alpine");
  EXPECT_EQ(r.FamiliarString(), "alpine:latest");
}

TEST(ImageReference, UserImageOnDockerHubHasNoLibraryPrefix) {
  ImageReference r = ImageReference::Parse("me/app:1.0");
  EXPECT_EQ(r.Repository(), "docker.io/me/app");
  EXPECT_EQ(r.FamiliarString(), "me/app:1.0");
  EXPECT_EQ(ImageReference::Parse("index.docker.io/library/busybox").FamiliarName(), "busybox");
  EXPECT_EQ(ImageReference::Parse("docker.io/library/busybox:1").String(), "docker.io/library/busybox:1");
}

TEST(ImageReference, HostWithPortAndNestedPath) {
  ImageReference r = ImageReference::Parse("127.0.0.1:5000/a/b:tag");
  EXPECT_EQ(r.domain, "127.0.0.1:5000");
  EXPECT_EQ(r.path, "a/b");
  EXPECT_EQ(r.tag, "tag");
  EXPECT_EQ(r.FamiliarName(), "127.0.0.1:5000/a/b");
  EXPECT_EQ(ImageReference::Parse("localhost/x").domain, "localhost");
  EXPECT_EQ(ImageReference::Parse("[::1]:5000/x").domain, "[::1]:5000");
  // A first component with an uppercase letter can only be a host.
  EXPECT_EQ(ImageReference::Parse("MyHost/x").domain, "MyHost");
  // Without '/', "host:5000" is a name and a tag.
  EXPECT_EQ(ImageReference::Parse("host:5000").Repository(), "docker.io/library/host");
}

TEST(ImageReference, DigestAloneHasNoTag) {
  ImageReference r = ImageReference::Parse("alpine@sha256:" + kHex);
  EXPECT_EQ(r.tag, "");
  ASSERT_TRUE(r.digest);
  EXPECT_EQ(r.digest->hex(), kHex);
  EXPECT_EQ(r.String(), "docker.io/library/alpine@sha256:" + kHex);
  EXPECT_EQ(r.FamiliarString(), "alpine@sha256:" + kHex);
}

TEST(ImageReference, TagAndDigest) {
  ImageReference r = ImageReference::Parse("localhost:5000/x:1@sha256:" + kHex);
  EXPECT_EQ(r.tag, "1");
  ASSERT_TRUE(r.digest);
  EXPECT_EQ(r.String(), "localhost:5000/x:1@sha256:" + kHex);
}

void ExpectInvalid(const std::string& ref, const std::string& message) {
  try {
    ImageReference::Parse(ref);
    FAIL() << ref << " parsed";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), message) << ref;
  }
}

TEST(ImageReference, BadReferencesUseDockersWords) {
  ExpectInvalid("", "invalid reference format: repository name must have at least one component");
  ExpectInvalid("Alpine", "invalid reference format: repository name must be lowercase");
  ExpectInvalid("docker.io/Me/app", "invalid reference format: repository name must be lowercase");
  ExpectInvalid("a:b:c", "invalid reference format");
  ExpectInvalid("a//b", "invalid reference format");
  ExpectInvalid("-a", "invalid reference format");
  ExpectInvalid("a:", "invalid reference format");
  ExpectInvalid("a:.x", "invalid reference format");
  ExpectInvalid("a@sha256:abc", "invalid reference format");
  ExpectInvalid("a@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm: md5:0123456789abcdef0123456789abcdef");
  ExpectInvalid("a@sha256:" + kHex.substr(0, 40), "invalid checksum digest format: sha256:" + kHex.substr(0, 40));
  ExpectInvalid(kHex, "invalid repository name (" + kHex + "), cannot specify 64-byte hexadecimal strings");
  ExpectInvalid("host:x/a", "invalid reference format");
  ExpectInvalid(std::string(256, 'a'), "repository name must not be more than 255 characters");
  ExpectInvalid("a:" + std::string(129, 't'), "invalid reference format");
}

TEST(ImageReference, SeparatorsInsidePathComponents) {
  EXPECT_EQ(ImageReference::Parse("x/a__b.c-d---e/f_g").path, "x/a__b.c-d---e/f_g");
  // A first component with '.' is a host, and '_' has no place in one.
  ExpectInvalid("a_b.c/d", "invalid reference format");
  ExpectInvalid("a___b", "invalid reference format");
  ExpectInvalid("a..b", "invalid reference format");
  ExpectInvalid("a-", "invalid reference format");
}

}  // namespace
}  // namespace ubuild::store::registry
