#include <gtest/gtest.h>

#include "builder/dispatch/step_commit.h"

namespace ubuild::builder {
namespace {

const std::string kWords = "COPY --link dir:0123 in /app/ ";

TEST(LinkedLayerKeyTest, TheBaseIsNoPartOfIt) {
  // Only the copy's own inputs go in: the same words give the same key
  // whatever WORKDIR the base set, when dest is absolute.
  EXPECT_EQ(LinkedLayerKey(kWords, "/app/", "/", "", std::nullopt),
            LinkedLayerKey(kWords, "/app/", "/srv", "", std::nullopt));
}

TEST(LinkedLayerKeyTest, WorkdirCountsForARelativeDest) {
  const std::string words = "COPY --link dir:0123 in app/ ";
  EXPECT_NE(LinkedLayerKey(words, "app/", "/", "", std::nullopt),
            LinkedLayerKey(words, "app/", "/srv", "", std::nullopt));
  EXPECT_NE(LinkedLayerKey(words, ".", "/", "", std::nullopt), LinkedLayerKey(words, ".", "/srv", "", std::nullopt));
}

TEST(LinkedLayerKeyTest, SourcesFlagsAndEpochCount) {
  const store::Digest key = LinkedLayerKey(kWords, "/app/", "/", "", std::nullopt);
  EXPECT_NE(key, LinkedLayerKey("COPY --link dir:4567 in /app/ ", "/app/", "/", "", std::nullopt));
  EXPECT_NE(key, LinkedLayerKey("COPY --chmod=600 --link dir:0123 in /app/ ", "/app/", "/", "", std::nullopt));
  EXPECT_NE(key, LinkedLayerKey(kWords, "/app/", "/", "", 1700000000));
  EXPECT_NE(LinkedLayerKey(kWords, "/app/", "/", "", 1700000000), LinkedLayerKey(kWords, "/app/", "/", "", 1700000001));
}

TEST(LinkedLayerKeyTest, TheIdsANameResolvedToCount) {
  // --chown=app names no ids by itself: a base where app is another uid
  // must not take the layer made where app was 1000.
  const std::string words = "COPY --chown=app --link dir:0123 in /app/ ";
  EXPECT_NE(LinkedLayerKey(words, "/app/", "/", "1000:1000", std::nullopt),
            LinkedLayerKey(words, "/app/", "/", "1001:1000", std::nullopt));
  EXPECT_EQ(LinkedLayerKey(words, "/app/", "/", "1000:1000", std::nullopt),
            LinkedLayerKey(words, "/app/", "/srv", "1000:1000", std::nullopt));
}

}  // namespace
}  // namespace ubuild::builder
