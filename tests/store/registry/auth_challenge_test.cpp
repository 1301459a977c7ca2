#include "store/registry/auth_challenge.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

TEST(AuthChallenge, DockerHubBearer) {
  auto c = ParseAuthChallenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ(c[0].params.at("scope"), "repository:library/alpine:pull");
}

TEST(AuthChallenge, BasicWithSpacesAndCase) {
  auto c = ParseAuthChallenges(R"(BASIC  Realm = "Registry Realm" )");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(c[0].params.at("realm"), "Registry Realm");
}

TEST(AuthChallenge, SeveralChallengesTokenValuesAndEscapes) {
  auto c = ParseAuthChallenges(R"(Basic realm="a\"b", Bearer realm=https://t/x,error=invalid_token, Negotiate)");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].params.at("realm"), "a\"b");
  EXPECT_EQ(c[1].scheme, "bearer");
  EXPECT_EQ(c[1].params.at("realm"), "https://t/x");
  EXPECT_EQ(c[1].params.at("error"), "invalid_token");
  EXPECT_EQ(c[2].scheme, "negotiate");
  EXPECT_TRUE(c[2].params.empty());
}

TEST(AuthChallenge, ScopeWithCommaInsideQuotes) {
  auto c = ParseAuthChallenges(R"(Bearer realm="r",scope="repository:a:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].params.at("scope"), "repository:a:pull,push");
}

TEST(AuthChallenge, MalformedHeadersThrow) {
  EXPECT_THROW(ParseAuthChallenges(""), Error);
  EXPECT_THROW(ParseAuthChallenges(R"(Bearer realm="unterminated)"), Error);
  EXPECT_THROW(ParseAuthChallenges(R"(Bearer realm="a" service="b")"), Error);
  EXPECT_THROW(ParseAuthChallenges("=x"), Error);
}

}  // namespace
}  // namespace ubuild::store::registry
