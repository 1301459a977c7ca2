#include <gtest/gtest.h>

#include "store/base/error.h"
#include "store/reference_store.h"

namespace ubuild::store {
namespace {

std::string ErrorOf(const std::string& ref) {
  try {
    NormalizeReference(ref);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(NormalizeReference, AddsLatestWhenNoTag) {
  EXPECT_EQ(NormalizeReference("hello"), "hello:latest");
  EXPECT_EQ(NormalizeReference("hello:1.0"), "hello:1.0");
  EXPECT_EQ(NormalizeReference("me/app"), "me/app:latest");
}

TEST(NormalizeReference, RegistryHostWithPort) {
  EXPECT_EQ(NormalizeReference("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(NormalizeReference("localhost:5000/app:v2"), "localhost:5000/app:v2");
  EXPECT_EQ(NormalizeReference("registry.example.com/team/app:x"), "registry.example.com/team/app:x");
  EXPECT_EQ(NormalizeReference("Registry.Example.com/app"), "Registry.Example.com/app:latest");
  EXPECT_EQ(NormalizeReference("localhost/app"), "localhost/app:latest");
}

TEST(NormalizeReference, FamiliarFormOfDockerHubNames) {
  EXPECT_EQ(NormalizeReference("docker.io/library/busybox"), "busybox:latest");
  EXPECT_EQ(NormalizeReference("docker.io/me/app:1"), "me/app:1");
  EXPECT_EQ(NormalizeReference("library/busybox:1"), "busybox:1");
  EXPECT_EQ(NormalizeReference("library/a/b"), "library/a/b:latest");
}

TEST(NormalizeReference, SeparatorsInPathComponents) {
  EXPECT_EQ(NormalizeReference("a.b_c__d---e"), "a.b_c__d---e:latest");
  EXPECT_NE(ErrorOf("a..b"), "");
  EXPECT_NE(ErrorOf("a___b"), "");
  EXPECT_NE(ErrorOf("_ab"), "");
  EXPECT_NE(ErrorOf("ab-"), "");
  EXPECT_NE(ErrorOf("a//b"), "");
  EXPECT_NE(ErrorOf("a/"), "");
}

TEST(NormalizeReference, UppercaseRepositoryHasDockersMessage) {
  EXPECT_EQ(ErrorOf("Hello"), "invalid reference format: repository name must be lowercase");
  EXPECT_EQ(ErrorOf("me/App:1"), "invalid reference format: repository name must be lowercase");
  EXPECT_EQ(ErrorOf("hello:Tag_1.x-y"), "");  // tags may hold uppercase
}

TEST(NormalizeReference, TagRules) {
  EXPECT_EQ(NormalizeReference("a:_x"), "a:_x");
  EXPECT_EQ(ErrorOf("a:-x"), "invalid reference format");
  EXPECT_EQ(ErrorOf("a:.x"), "invalid reference format");
  EXPECT_EQ(ErrorOf("a:"), "invalid reference format");
  EXPECT_EQ(ErrorOf("a:x y"), "invalid reference format");
  EXPECT_EQ(ErrorOf("a:" + std::string(128, 'x')), "");
  EXPECT_EQ(ErrorOf("a:" + std::string(129, 'x')), "invalid reference format");
}

TEST(NormalizeReference, OtherRejections) {
  EXPECT_EQ(ErrorOf(""), "invalid reference format: repository name must have at least one component");
  EXPECT_EQ(ErrorOf(std::string(64, 'a')),
            "invalid repository name (" + std::string(64, 'a') + "), cannot specify 64-byte hexadecimal strings");
  EXPECT_NE(ErrorOf("a@sha256:" + std::string(64, 'a')).find("not supported"), std::string::npos);
  EXPECT_EQ(ErrorOf("bad-host-:5000/a"), "invalid reference format");
  EXPECT_EQ(ErrorOf("host:port/a"), "invalid reference format");
  EXPECT_EQ(ErrorOf(std::string(256, 'a')), "repository name must not be more than 255 characters");
}

TEST(RepositoryOf, StripsTheTag) {
  EXPECT_EQ(RepositoryOf("localhost:5000/app:v1"), "localhost:5000/app");
  EXPECT_EQ(RepositoryOf("hello:latest"), "hello");
}

}  // namespace
}  // namespace ubuild::store
