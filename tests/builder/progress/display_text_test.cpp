#include "builder/progress/display_text.h"

#include <gtest/gtest.h>

namespace ubuild::progress {
namespace {

TEST(DisplayText, HumanBytes) {
  EXPECT_EQ(HumanBytes(0), "0B");
  EXPECT_EQ(HumanBytes(532), "532B");
  EXPECT_EQ(HumanBytes(12345), "12.3kB");
  EXPECT_EQ(HumanBytes(999999), "1MB");
  EXPECT_EQ(HumanBytes(1050000000), "1.05GB");
}

TEST(DisplayText, Times) {
  EXPECT_EQ(Seconds(0), "0.0s");
  EXPECT_EQ(Seconds(12345000000), "12.3s");
  EXPECT_EQ(EtaText(4.4), "4s");
  EXPECT_EQ(EtaText(125), "2m05s");
  EXPECT_EQ(EtaText(3720), "1h02m");
}

TEST(DisplayText, DrawableLine) {
  EXPECT_EQ(DrawableLine("a\tb"), "a       b");
  EXPECT_EQ(DrawableLine("10%\r50%\r100%"), "100%");
  EXPECT_EQ(DrawableLine("dos line\r"), "dos line");
  EXPECT_EQ(DrawableLine("\x1b[1;31mred\x1b[0m \x1b(Bx\x07"), "red x");
  EXPECT_EQ(DrawableLine("\x1b]0;title\x07" "a\x1b]8;;http://x\x1b\\b"), "ab");
}

TEST(DisplayText, FitColumnsCountsCodePoints) {
  EXPECT_EQ(FitColumns("héllo wörld", 5), "héllo");
  EXPECT_EQ(Columns("héllo"), 5);
  EXPECT_EQ(FitColumns("short", 10), "short");
}

}  // namespace
}  // namespace ubuild::progress
