#include "parser/word_expansion.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

const std::vector<std::string> kEnv = {"PWD=/home", "SHELL=bash", "EMPTY=", "SPACED=a b  c",
                                       "KOREAN=한국어", "FOO=xxyy", "PATH_=/usr/local/bin"};

std::string W(std::string_view word, const std::vector<std::string>& env = kEnv, char escape = '\\') {
  return ExpandWord(word, LookupFromEnv(env), escape);
}

std::vector<std::string> Ws(std::string_view text, const std::vector<std::string>& env = kEnv) {
  return ExpandWords(text, LookupFromEnv(env));
}

std::string ErrorOf(std::string_view word, const std::vector<std::string>& env = kEnv) {
  try {
    W(word, env);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(WordExpansion, PlainVariables) {
  EXPECT_EQ(W("$PWD"), "/home");
  EXPECT_EQ(W("${PWD}"), "/home");
  EXPECT_EQ(W("x$PWD/y"), "x/home/y");
  EXPECT_EQ(W("${PWD}x"), "/homex");
  EXPECT_EQ(W("$PWDx"), "");  // the name is PWDx, unset
  EXPECT_EQ(W("$KOREAN"), "한국어");
  EXPECT_EQ(W("$PATH_:/x"), "/usr/local/bin:/x");
}

TEST(WordExpansion, UnsetExpandsToEmpty) {
  EXPECT_EQ(W("a${NOPE}b"), "ab");
  EXPECT_EQ(W("a$NOPE"), "a");
  EXPECT_EQ(W("$EMPTY"), "");
}

TEST(WordExpansion, LoneDollarIsLiteral) {
  EXPECT_EQ(W("$"), "$");
  EXPECT_EQ(W("a$ b"), "a$ b");
  EXPECT_EQ(W("$/"), "$/");
}

TEST(WordExpansion, SpecialAndPositionalParametersAreUnset) {
  EXPECT_EQ(W("a$1b"), "ab");
  EXPECT_EQ(W("$12x"), "x");
  EXPECT_EQ(W("$@x"), "x");
}

TEST(WordExpansion, DefaultOperators) {
  EXPECT_EQ(W("${NOPE:-def}"), "def");
  EXPECT_EQ(W("${EMPTY:-def}"), "def");
  EXPECT_EQ(W("${PWD:-def}"), "/home");
  EXPECT_EQ(W("${NOPE-def}"), "def");
  EXPECT_EQ(W("${EMPTY-def}"), "");
  EXPECT_EQ(W("${PWD-def}"), "/home");
  EXPECT_EQ(W("${NOPE:-$PWD/x}"), "/home/x");
  EXPECT_EQ(W("${NOPE:-${NOPE2:-deep}}"), "deep");
  EXPECT_EQ(W("${NOPE:-'a b'}"), "a b");
}

TEST(WordExpansion, AlternativeOperators) {
  EXPECT_EQ(W("${PWD:+alt}"), "alt");
  EXPECT_EQ(W("${EMPTY:+alt}"), "");
  EXPECT_EQ(W("${NOPE:+alt}"), "");
  EXPECT_EQ(W("${PWD+alt}"), "alt");
  EXPECT_EQ(W("${EMPTY+alt}"), "alt");
  EXPECT_EQ(W("${NOPE+alt}"), "");
}

TEST(WordExpansion, RequiredOperators) {
  EXPECT_EQ(W("${PWD:?msg}"), "/home");
  EXPECT_EQ(W("${EMPTY?msg}"), "");
  EXPECT_EQ(ErrorOf("${NOPE:?custom $PWD}"), "failed to process \"${NOPE:?custom $PWD}\": NOPE: custom /home");
  EXPECT_EQ(ErrorOf("${EMPTY:?}"), "failed to process \"${EMPTY:?}\": EMPTY: is not allowed to be empty");
  EXPECT_EQ(ErrorOf("${NOPE?}"), "failed to process \"${NOPE?}\": NOPE: is not allowed to be unset");
  EXPECT_EQ(ErrorOf("${NOPE?oops}"), "failed to process \"${NOPE?oops}\": NOPE: oops");
}

TEST(WordExpansion, PrefixAndSuffixRemoval) {
  EXPECT_EQ(W("${FOO#x}"), "xyy");
  EXPECT_EQ(W("${FOO##*x}"), "yy");
  EXPECT_EQ(W("${FOO#*x}"), "xyy");
  EXPECT_EQ(W("${FOO#*x*y}"), "y");
  EXPECT_EQ(W("${FOO#*}"), "xxyy");
  EXPECT_EQ(W("${FOO#}"), "xxyy");
  EXPECT_EQ(W("${FOO#nomatch}"), "xxyy");
  EXPECT_EQ(W("${FOO%y}"), "xxy");
  EXPECT_EQ(W("${FOO%y*}"), "xxy");
  EXPECT_EQ(W("${FOO%%y*}"), "xx");
  EXPECT_EQ(W("${FOO%?}"), "xxy");
  EXPECT_EQ(W("${NOPE%x}"), "");
  EXPECT_EQ(W("${V#?\\?}", {"V=???y"}), "?y");
  EXPECT_EQ(W("${V%%\\**\\*}", {"V=a***yy*"}), "a");
  EXPECT_EQ(W("${V#()[]{\\}^$.\\*\\?|\\\\}", {"V=()[]{}^$.*?|\\x"}), "x");
  EXPECT_EQ(W("${V%.*}", {"V=archive.tar.gz"}), "archive.tar");
  EXPECT_EQ(W("${V%%.*}", {"V=archive.tar.gz"}), "archive");
  EXPECT_EQ(W("${V#?}", {"V=한국어"}), "국어");  // ? is one character, not one byte
}

TEST(WordExpansion, Replacement) {
  EXPECT_EQ(W("${FOO/x/z}"), "zxyy");
  EXPECT_EQ(W("${FOO//x/z}"), "zzyy");
  EXPECT_EQ(W("${FOO/x*/z}"), "z");  // greedy
  EXPECT_EQ(W("${FOO/nomatch/z}"), "xxyy");
  EXPECT_EQ(W("${FOO///}"), "xxyy");
  EXPECT_EQ(W("${V/$N/.} - ${V//$N/.}", {"V=/foo*/*/*.txt", "N=\\*/"}), "/foo.*/*.txt - /foo..*.txt");
  EXPECT_EQ(W("${V/$N/} - ${V//$N/}", {"V=/tmp/tmp/bar.txt", "N=/tmp"}), "/tmp/bar.txt - /bar.txt");
  EXPECT_EQ(W("${V//\\//\\/}", {"V=/tmp/foo.txt"}), "\\/tmp\\/foo.txt");
  EXPECT_EQ(W("${V/$N/ww}", {"V=xxyy", "N="}), "wwxxyy");
  EXPECT_EQ(W("${V/http:\\/\\//https://}", {"V=http://x.org"}), "https://x.org");
}

TEST(WordExpansion, SingleQuotesAreLiteral) {
  EXPECT_EQ(W("'$PWD'"), "$PWD");
  EXPECT_EQ(W("'a\\b'"), "a\\b");
  EXPECT_EQ(W("'a \"b\"'"), "a \"b\"");
  EXPECT_EQ(W("x'y'z"), "xyz");
}

TEST(WordExpansion, DoubleQuotes) {
  EXPECT_EQ(W("\"$PWD\""), "/home");
  EXPECT_EQ(W("\"a\\\"b\""), "a\"b");
  EXPECT_EQ(W("\"a\\\\b\""), "a\\b");
  EXPECT_EQ(W("\"\\$PWD\""), "$PWD");
  EXPECT_EQ(W("\"a\\nb\""), "a\\nb");  // other escapes stay
  EXPECT_EQ(W("\"it's\""), "it's");
  EXPECT_EQ(W("\"${NOPE:-a b}\""), "a b");
}

TEST(WordExpansion, EscapeOutsideQuotes) {
  EXPECT_EQ(W("\\$PWD"), "$PWD");
  EXPECT_EQ(W("a\\ b"), "a b");
  EXPECT_EQ(W("\\'x\\'"), "'x'");
  EXPECT_EQ(W("a\\\\b"), "a\\b");
  EXPECT_EQ(W("ab\\"), "ab");  // a trailing escape disappears
}

TEST(WordExpansion, BacktickEscape) {
  EXPECT_EQ(W("`$PWD", kEnv, '`'), "$PWD");
  EXPECT_EQ(W("c:\\dir\\$PWD", kEnv, '`'), "c:\\dir\\/home");
  EXPECT_EQ(W("\"a`\"b\"", kEnv, '`'), "a\"b");
  EXPECT_EQ(W("\"a\\\"", kEnv, '`'), "a\\");
}

TEST(WordExpansion, MalformedExpressionsAreErrors) {
  EXPECT_EQ(ErrorOf("${}"), "failed to process \"${}\": syntax error: bad substitution");
  EXPECT_EQ(ErrorOf("${:}"), "failed to process \"${:}\": syntax error: bad substitution");
  EXPECT_EQ(ErrorOf("${{A}"), "failed to process \"${{A}\": syntax error: bad substitution");
  EXPECT_EQ(ErrorOf("${A:B}"), "failed to process \"${A:B}\": unsupported modifier (:B) in substitution");
  EXPECT_EQ(ErrorOf("${A=x}"), "failed to process \"${A=x}\": unsupported modifier (=) in substitution");
  EXPECT_EQ(ErrorOf("${PWD"), "failed to process \"${PWD\": syntax error: missing '}'");
  EXPECT_EQ(ErrorOf("${PWD:-x"), "failed to process \"${PWD:-x\": syntax error: missing '}'");
  EXPECT_EQ(ErrorOf("${"), "failed to process \"${\": syntax error: missing '}'");
  EXPECT_EQ(ErrorOf("${FOO//ww}"), "failed to process \"${FOO//ww}\": syntax error: missing '/' in ${}");
  EXPECT_EQ(ErrorOf("'abc"),
            "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote");
  EXPECT_EQ(ErrorOf("\"abc"),
            "failed to process \"\\\"abc\": unexpected end of statement while looking for matching double-quote");
  EXPECT_EQ(ErrorOf("${FOO#\\x}"),
            "failed to process \"${FOO#\\\\x}\": invalid pattern (\\x) in substitution: invalid escape '\\x'");
}

TEST(WordExpansion, ExpandWordsSplitsOnUnquotedWhitespace) {
  EXPECT_EQ(Ws("a b   c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Ws("  lead trail  "), (std::vector<std::string>{"lead", "trail"}));
  EXPECT_EQ(Ws("\"a b\" c"), (std::vector<std::string>{"a b", "c"}));
  EXPECT_EQ(Ws("'a b'c d"), (std::vector<std::string>{"a bc", "d"}));
  EXPECT_EQ(Ws("a\\ b c"), (std::vector<std::string>{"a b", "c"}));
  // Unquoted variable values split, quoted ones do not (like the shell).
  EXPECT_EQ(Ws("$SPACED"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Ws("\"$SPACED\""), (std::vector<std::string>{"a b  c"}));
  EXPECT_EQ(Ws("x$SPACED"), (std::vector<std::string>{"xa", "b", "c"}));
  EXPECT_EQ(Ws("\"\""), (std::vector<std::string>{}));
  EXPECT_EQ(Ws(""), (std::vector<std::string>{}));
  EXPECT_EQ(Ws("80 $NOPE 443/udp"), (std::vector<std::string>{"80", "443/udp"}));
  EXPECT_THROW(Ws("'open"), Error);
}

TEST(WordExpansion, HeredocBodiesKeepQuotes) {
  VarLookup vars = LookupFromEnv(kEnv);
  EXPECT_EQ(ExpandHeredoc("echo \"$PWD\" '$SHELL'\n", vars), "echo \"/home\" 'bash'\n");
  EXPECT_EQ(ExpandHeredoc("cost: \\$5 ${NOPE:-none}\n", vars), "cost: $5 none\n");
}

TEST(WordExpansion, LookupFromEnvLaterEntriesWin) {
  VarLookup vars = LookupFromEnv({"A=1", "B=x=y", "A=2", "C"});
  EXPECT_EQ(vars("A"), std::optional<std::string>("2"));
  EXPECT_EQ(vars("B"), std::optional<std::string>("x=y"));
  EXPECT_EQ(vars("C"), std::optional<std::string>(""));
  EXPECT_EQ(vars("D"), std::nullopt);
  EXPECT_EQ(vars("a"), std::nullopt);  // names are case-sensitive on Linux
}

TEST(WordExpansion, DeepNestingIsAnErrorNotACrash) {
  std::string ok, deep;
  for (int i = 0; i < 100; ++i) ok += "${A:-";
  ok += "x" + std::string(100, '}');
  EXPECT_EQ(W(ok), "x");
  for (int i = 0; i < 100000; ++i) deep += "${A:-";
  EXPECT_THROW(W(deep), Error);
}

TEST(WordExpansion, NullLookupMeansNothingIsSet) {
  EXPECT_EQ(ExpandWord("a${X:-d}$Y", VarLookup()), "ad");
}

// A word may grow by kMaxExpansionGrowth over its own text, and no more:
// doubling a variable line after line stops there with an error.
TEST(WordExpansion, GrowthPastTheLimitIsAnError) {
  const std::string half(kMaxExpansionGrowth / 2, 'x');
  EXPECT_EQ(W("${A}${A}", {"A=" + half}).size(), kMaxExpansionGrowth);
  EXPECT_NE(ErrorOf("${A}${A}x$A", {"A=" + half}).find("the expansion adds more than 1 MiB to the word"),
            std::string::npos);
  EXPECT_NE(ErrorOf("\"$A$A$A\"", {"A=" + half}).find("more than 1 MiB"), std::string::npos);
  EXPECT_NE(ErrorOf("${U:-$A$A$A}", {"A=" + half}).find("more than 1 MiB"), std::string::npos);
  // A literal word longer than the limit is the Dockerfile's own size, not growth.
  const std::string literal(kMaxExpansionGrowth + 10, 'y');
  EXPECT_EQ(W(literal + "$EMPTY"), literal);
}

TEST(WordExpansion, ReplacementThatMultipliesAValueIsBounded) {
  const std::string value(4096, 'x');
  EXPECT_NE(ErrorOf("${A//x/$A}", {"A=" + value}).find("the replacement makes a value longer than"),
            std::string::npos);
  EXPECT_EQ(W("${A//x/yy}", {"A=" + value}), std::string(8192, 'y'));
}

// A `*` pattern tried at every position of a long value is cubic; the
// matcher gives up with an error instead of running for hours.
TEST(WordExpansion, CostlyPatternIsAnErrorNotAHang) {
  const std::string value(1 << 16, 'x');
  EXPECT_NE(ErrorOf("${A/*y/z}", {"A=" + value}).find("pattern matching in substitution takes too long"),
            std::string::npos);
  EXPECT_EQ(W("${A%%x*}", {"A=ab" + value}), "ab");
}

TEST(WordExpansion, BudgetBoundsTheBuildsTotalGrowth) {
  ExpansionBudget budget;
  budget.Charge(10, 5);  // shrinking costs nothing
  budget.Charge(0, ExpansionBudget::kTotal);
  budget.Charge(7, 7);
  try {
    budget.Charge(0, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "expansions add more than 16 MiB to this Dockerfile's words in total");
  }
}

}  // namespace
}  // namespace ubuild::parser
