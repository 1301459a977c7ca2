#include "store/base/go_utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace ubuild {
namespace {

TEST(DecodeRune, AsciiAndEachSequenceLength) {
  DecodedRune d = DecodeRune("a\xC3\xA9");
  EXPECT_EQ(d.rune, U'a');
  EXPECT_EQ(d.width, 1u);
  EXPECT_TRUE(d.valid);
  d = DecodeRune("\xC3\xA9x");
  EXPECT_EQ(d.rune, U'\u00E9');
  EXPECT_EQ(d.width, 2u);
  d = DecodeRune("\xE6\x97\xA5");
  EXPECT_EQ(d.rune, U'\u65E5');
  EXPECT_EQ(d.width, 3u);
  d = DecodeRune("\xF0\x9F\x98\x80");
  EXPECT_EQ(d.rune, U'\U0001F600');
  EXPECT_EQ(d.width, 4u);
  EXPECT_TRUE(d.valid);
  d = DecodeRune("\xF4\x8F\xBF\xBF");
  EXPECT_EQ(d.rune, U'\U0010FFFF');
  EXPECT_TRUE(d.valid);
}

TEST(DecodeRune, EmptyTextIsWidthZero) {
  const DecodedRune d = DecodeRune("");
  EXPECT_EQ(d.rune, kReplacementChar);
  EXPECT_EQ(d.width, 0u);
  EXPECT_FALSE(d.valid);
}

// Go's utf8.DecodeRuneInString gives (RuneError, 1) for each of these.
TEST(DecodeRune, InvalidSequencesAreOneReplacementByte) {
  for (const char* bad : {"\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xE6\x97",
                          "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xC3x",
                          "\xE6\x97x", "\xF0\x9F\x98"}) {
    const DecodedRune d = DecodeRune(bad);
    EXPECT_EQ(d.rune, kReplacementChar) << bad;
    EXPECT_EQ(d.width, 1u) << bad;
    EXPECT_FALSE(d.valid) << bad;
  }
}

TEST(DecodeRune, EncodedReplacementCharIsValid) {
  const DecodedRune d = DecodeRune("\xEF\xBF\xBD");
  EXPECT_EQ(d.rune, kReplacementChar);
  EXPECT_EQ(d.width, 3u);
  EXPECT_TRUE(d.valid);
}

TEST(IsValidUtf8, AcceptsWhatGoAccepts) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("usr/bin/env"));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9/\xE6\x97\xA5\xE6\x9C\xAC/\xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));
}

TEST(IsValidUtf8, RejectsOverlongSurrogateTruncatedAndOutOfRange) {
  EXPECT_FALSE(IsValidUtf8("a\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
  EXPECT_FALSE(IsValidUtf8("name\xE6\x97"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\x80name"));
}

TEST(AppendRune, EncodesEachLengthAndReplacesWhatIsNoScalarValue) {
  std::string out;
  AppendRune(out, U'a');
  AppendRune(out, U'\u00E9');
  AppendRune(out, U'\u65E5');
  AppendRune(out, U'\U0001F600');
  EXPECT_EQ(out, "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80");
  out.clear();
  AppendRune(out, 0xD800);
  AppendRune(out, 0x110000);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(AppendHex, LowercaseDigitsPaddedToWidth) {
  std::string out;
  AppendHex(out, 0x1F, 4);
  out += ' ';
  AppendHex(out, 0xFF, 2);
  out += ' ';
  AppendHex(out, 0xE0001, 8);
  out += ' ';
  AppendHex(out, 0x2028, 4);
  EXPECT_EQ(out, "001f ff 000e0001 2028");
}

TEST(AppendHex, KeepsOnlyTheLowDigits) {
  std::string out;
  AppendHex(out, 0x1234, 2);
  EXPECT_EQ(out, "34");
}

}  // namespace
}  // namespace ubuild
