#include "store/base/nearest_word.h"

#include <gtest/gtest.h>

namespace ubuild {
namespace {

TEST(EditDistance, CountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(EditDistance("images", "images"), 0u);
  EXPECT_EQ(EditDistance("imges", "images"), 1u);    // a letter left out
  EXPECT_EQ(EditDistance("imagess", "images"), 1u);  // one too many
  EXPECT_EQ(EditDistance("imagex", "images"), 1u);   // one wrong
  EXPECT_EQ(EditDistance("imgaes", "images"), 1u);   // two neighbours swapped
  EXPECT_EQ(EditDistance("", "tag"), 3u);
  EXPECT_EQ(EditDistance("tag", ""), 3u);
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);  // OSA: a swapped pair is not edited again
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

const std::vector<std::string> kCommands = {"build", "parse", "import", "images", "inspect", "history",
                                            "tag",   "rmi",   "prune",  "layers", "save",    "load"};

TEST(NearestWords, SuggestsTheClosestCommand) {
  EXPECT_EQ(NearestWords("imges", kCommands), std::vector<std::string>{"images"});
  EXPECT_EQ(NearestWords("biuld", kCommands), std::vector<std::string>{"build"});
  EXPECT_EQ(NearestWords("histroy", kCommands), std::vector<std::string>{"history"});
  EXPECT_EQ(NearestWords("IMAGES", kCommands), std::vector<std::string>{"images"});
}

TEST(NearestWords, ListsEveryCandidateAtTheSmallestDistance) {
  EXPECT_EQ(NearestWords("lxad", {"save", "load", "lead"}), (std::vector<std::string>{"load", "lead"}));
  // "sag" is one edit from tag, two from save: only the nearest.
  EXPECT_EQ(NearestWords("sag", kCommands), std::vector<std::string>{"tag"});
}

TEST(NearestWords, FallsBackToCommandsTheWordBegins) {
  EXPECT_EQ(NearestWords("ins", kCommands), std::vector<std::string>{"inspect"});
  EXPECT_EQ(NearestWords("im", kCommands), (std::vector<std::string>{"import", "images"}));
}

TEST(NearestWords, SuggestsNothingFarAway) {
  EXPECT_TRUE(NearestWords("frobnicate", kCommands).empty());
  // Two edits are too many for a word of three letters: "sad" is not load, save or tag.
  EXPECT_TRUE(NearestWords("sad", kCommands).empty());
  EXPECT_TRUE(NearestWords("", kCommands).empty());
  EXPECT_TRUE(NearestWords("x", {}).empty());
}

}  // namespace
}  // namespace ubuild
