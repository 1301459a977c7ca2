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

}  // namespace
}  // namespace ubuild
