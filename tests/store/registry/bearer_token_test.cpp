#include "store/registry/bearer_token.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

using std::chrono::seconds;
const auto kNow = std::chrono::steady_clock::time_point() + seconds(1000);

TEST(BearerToken, TokenWinsAndExpiresIn) {
  BearerToken t = ParseBearerToken(R"({"token":"a","access_token":"b","expires_in":300})", kNow, "t");
  EXPECT_EQ(t.token, "a");
  EXPECT_EQ(t.expires, kNow + seconds(300));
}

TEST(BearerToken, AccessTokenAndAShortLifeTakenAtItsWord) {
  BearerToken t = ParseBearerToken(R"({"access_token":"b","expires_in":2})", kNow, "t");
  EXPECT_EQ(t.token, "b");
  EXPECT_EQ(t.issued, kNow);
  EXPECT_EQ(t.expires, kNow + seconds(2));
}

TEST(BearerToken, NoUsableExpiresInMeansSixtySeconds) {
  EXPECT_EQ(ParseBearerToken(R"({"token":"c"})", kNow, "t").expires, kNow + seconds(60));
  EXPECT_EQ(ParseBearerToken(R"({"token":"c","expires_in":0})", kNow, "t").expires, kNow + seconds(60));
  EXPECT_EQ(ParseBearerToken(R"({"token":"c","expires_in":-5})", kNow, "t").expires, kNow + seconds(60));
  EXPECT_EQ(ParseBearerToken(R"({"token":"c","expires_in":"300"})", kNow, "t").expires, kNow + seconds(60));
}

TEST(BearerToken, RefreshedFiveSecondsEarly) {
  BearerToken t = ParseBearerToken(R"({"token":"a","expires_in":300})", kNow, "t");
  EXPECT_FALSE(t.NeedsRefresh(kNow));
  EXPECT_FALSE(t.NeedsRefresh(kNow + seconds(294)));
  EXPECT_TRUE(t.NeedsRefresh(kNow + seconds(295)));
  EXPECT_TRUE(t.NeedsRefresh(kNow + seconds(400)));
}

TEST(BearerToken, AShortLivedTokenIsRefreshedHalfWay) {
  using std::chrono::milliseconds;
  BearerToken t = ParseBearerToken(R"({"token":"a","expires_in":2})", kNow, "t");
  EXPECT_FALSE(t.NeedsRefresh(kNow + milliseconds(999)));
  EXPECT_TRUE(t.NeedsRefresh(kNow + milliseconds(1000)));
}

TEST(BearerToken, NoTokenIsAnError) {
  EXPECT_THROW(ParseBearerToken(R"({"expires_in":10})", kNow, "t"), Error);
  EXPECT_THROW(ParseBearerToken(R"([1])", kNow, "t"), Error);
  EXPECT_THROW(ParseBearerToken("<html>", kNow, "t"), Error);
}

}  // namespace
}  // namespace ubuild::store::registry
