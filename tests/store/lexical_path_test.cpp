#include "store/base/lexical_path.h"

#include <gtest/gtest.h>

namespace ubuild {
namespace {

// Expectations are Go's path.Clean outputs (go1.21 path package tests).
TEST(CleanPath, MatchesGoPathClean) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("."), ".");
  EXPECT_EQ(CleanPath("/"), "/");
  EXPECT_EQ(CleanPath("//"), "/");
  EXPECT_EQ(CleanPath("abc/"), "abc");
  EXPECT_EQ(CleanPath("./a//b/../c/"), "a/c");
  EXPECT_EQ(CleanPath("a/b/./c/.."), "a/b");
  EXPECT_EQ(CleanPath("abc/def/../../.."), "..");
  EXPECT_EQ(CleanPath("../../a"), "../../a");
  EXPECT_EQ(CleanPath("a/../../b"), "../b");
  EXPECT_EQ(CleanPath("/../a"), "/a");
  EXPECT_EQ(CleanPath("/a/../../b/."), "/b");
  EXPECT_EQ(CleanPath("a/.."), ".");
}

TEST(JoinRel, EmptyIsTheRoot) {
  EXPECT_EQ(JoinRel("", ""), "");
  EXPECT_EQ(JoinRel("", "b"), "b");
  EXPECT_EQ(JoinRel("a", ""), "a");
  EXPECT_EQ(JoinRel("a/b", "c"), "a/b/c");
}

TEST(ParentRel, TopLevelNamesHaveTheRootAsParent) {
  EXPECT_EQ(ParentRel("a"), "");
  EXPECT_EQ(ParentRel(""), "");
  EXPECT_EQ(ParentRel("a/b"), "a");
  EXPECT_EQ(ParentRel("a/b/c"), "a/b");
}

TEST(PathComponents, DropsEmptyComponentsAndKeepsDots) {
  EXPECT_EQ(PathComponents("//a/./b//../c/"), (std::deque<std::string>{"a", ".", "b", "..", "c"}));
  EXPECT_EQ(PathComponents("/"), std::deque<std::string>{});
  EXPECT_EQ(PathComponents("rel"), std::deque<std::string>{"rel"});
}

}  // namespace
}  // namespace ubuild
