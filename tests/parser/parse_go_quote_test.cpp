// GoQuote must print exactly what Go's strconv.Quote prints.
#include <gtest/gtest.h>

#include "parser/go_quote.h"

namespace ubuild::parser {
namespace {

TEST(GoQuote, PlainTextIsWrappedInQuotes) { EXPECT_EQ(GoQuote("abc def"), "\"abc def\""); }

TEST(GoQuote, EscapesQuoteAndBackslash) { EXPECT_EQ(GoQuote("a\"b\\c"), R"("a\"b\\c")"); }

TEST(GoQuote, NamedControlEscapes) {
  EXPECT_EQ(GoQuote("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
}

TEST(GoQuote, OtherControlBytesAsHex) {
  EXPECT_EQ(GoQuote(std::string("\x00\x01\x1f\x7f", 4)), R"("\x00\x01\x1f\x7f")");
}

TEST(GoQuote, PrintableUtf8IsKept) { EXPECT_EQ(GoQuote("héllo wörld ✓ 😀"), "\"héllo wörld ✓ 😀\""); }

TEST(GoQuote, NonPrintableRunesAsUnicodeEscapes) {
  EXPECT_EQ(GoQuote("\u00a0"), R"("\u00a0")");        // no-break space: not IsPrint in Go
  EXPECT_EQ(GoQuote("\u00ad"), R"("\u00ad")");        // soft hyphen (Cf)
  EXPECT_EQ(GoQuote("\u2028"), R"("\u2028")");        // line separator
  EXPECT_EQ(GoQuote("\U000E0001"), R"("\U000e0001")");  // language tag (Cf)
}

TEST(GoQuote, InvalidUtf8BytesAsHex) {
  EXPECT_EQ(GoQuote("a\xff" "b"), R"("a\xffb")");
  EXPECT_EQ(GoQuote("\xc3"), R"("\xc3")");              // truncated sequence
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), R"("\xed\xa0\x80")");  // encoded surrogate
}

TEST(GoIsPrint, FollowsUnicodeCategories) {
  EXPECT_TRUE(GoIsPrint(' '));
  EXPECT_FALSE(GoIsPrint('\t'));
  EXPECT_TRUE(GoIsPrint(U'é'));
  EXPECT_TRUE(GoIsPrint(0x1F600));
  EXPECT_FALSE(GoIsPrint(0x3000));   // ideographic space (Zs)
  EXPECT_FALSE(GoIsPrint(0xE000));   // private use
  EXPECT_FALSE(GoIsPrint(0x0378));   // unassigned
}

}  // namespace
}  // namespace ubuild::parser
