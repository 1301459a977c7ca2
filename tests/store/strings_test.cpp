#include "store/base/strings.h"

#include <gtest/gtest.h>

#include <vector>

namespace ubuild {
namespace {

TEST(Join, PutsTheSeparatorOnlyBetweenParts) {
  EXPECT_EQ(Join(std::vector<std::string>{}, "/"), "");
  EXPECT_EQ(Join(std::vector<std::string>{"a"}, "/"), "a");
  EXPECT_EQ(Join(std::vector<std::string>{"a", "b", "c"}, "/"), "a/b/c");
  EXPECT_EQ(Join(std::vector<std::string>{"/bin/sh", "-c", "echo hi"}, " "), "/bin/sh -c echo hi");
  EXPECT_EQ(Join(std::vector<std::string>{"", ""}, ", "), ", ");
}

TEST(Join, TakesAPrefixOfAVector) {
  const std::vector<std::string> parts = {"usr", "local", "bin"};
  EXPECT_EQ(Join(std::span(parts).first(2), "/"), "usr/local");
  EXPECT_EQ(Join(std::span(parts).first(0), "/"), "");
}

TEST(AsciiLower, LowersAsciiLettersOnly) {
  EXPECT_EQ(AsciiLower("FROM Scratch AS Build-1"), "from scratch as build-1");
  EXPECT_EQ(AsciiLower("linux/AMD64"), "linux/amd64");
  // UTF-8 bytes pass through untouched whatever the locale: "É" stays "É".
  EXPECT_EQ(AsciiLower("\xC3\x89Z"), "\xC3\x89z");
  EXPECT_EQ(AsciiLower("@[`{"), "@[`{");  // the neighbours of 'A'..'Z' and 'a'..'z'
}

TEST(AsciiUpper, UppersAsciiLettersOnly) {
  EXPECT_EQ(AsciiUpper("sigTerm rtmin+3 \xc3\xa9"), "SIGTERM RTMIN+3 \xc3\xa9");
}

}  // namespace
}  // namespace ubuild
