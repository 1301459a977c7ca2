// `ubuild parse` output: BuildKit's S-expression dump, on the examples of the
// issue and on forms whose printing is easy to get wrong.
#include <gtest/gtest.h>

#include "tests/parser/parse_test_util.h"

namespace ubuild::parser {
namespace {

using testing::DumpOf;

struct DumpCase {
  const char* input;
  const char* output;
};

class IssueExamples : public ::testing::TestWithParam<DumpCase> {};

TEST_P(IssueExamples, DumpsLikeBuildKit) {
  EXPECT_EQ(DumpOf(GetParam().input), std::string(GetParam().output) + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Parse, IssueExamples,
    ::testing::Values(
        DumpCase{"FROM busybox:1.36 AS base", R"((from "busybox:1.36" "AS" "base"))"},
        DumpCase{"RUN echo \"hi\" \\\n    && true", R"((run "echo \"hi\"     && true"))"},
        DumpCase{R"(RUN ["sh", "-c", "ls"])", R"((run "sh" "-c" "ls"))"},
        DumpCase{"COPY --chown=1:1 a b /d/", R"((copy ["--chown=1:1"] "a" "b" "/d/"))"},
        DumpCase{R"(ENV A=1 B="two words")", R"((env "A" "1" "=" "B" "\"two words\"" "="))"},
        DumpCase{"ENV LEGACY some value", R"((env "LEGACY" "some value" ""))"},
        DumpCase{"LABEL version=1.0", R"((label "version" "1.0" "="))"},
        DumpCase{"EXPOSE 80 443/udp", R"((expose "80" "443/udp"))"},
        DumpCase{"HEALTHCHECK NONE", R"((healthcheck "NONE"))"},
        DumpCase{"ONBUILD RUN echo hi", R"((onbuild (run "echo hi")))"}));

TEST(Dump, OneLinePerInstructionInOrder) {
  EXPECT_EQ(DumpOf("FROM a\n\n# comment\nRUN b\nCMD c\n"), "(from \"a\")\n(run \"b\")\n(cmd \"c\")\n");
}

TEST(Dump, SeveralFlagsAreOneBracketedList) {
  EXPECT_EQ(DumpOf("HEALTHCHECK --interval=5s --timeout=3s --retries=3 \\\n  CMD /app/check.sh --quiet"),
            "(healthcheck [\"--interval=5s\" \"--timeout=3s\" \"--retries=3\"] \"CMD\" \"/app/check.sh --quiet\")\n");
}

TEST(Dump, InstructionWithoutArguments) {
  EXPECT_EQ(DumpOf("FROM a\nHEALTHCHECK\nCMD []"), "(from \"a\")\n(healthcheck)\n(cmd)\n");
}

TEST(Dump, QuotesControlAndNonPrintableCharacters) {
  EXPECT_EQ(DumpOf("RUN [\"a\\tb\\n\", \"\\u0001\", \"\\u00a0\", \"caf\\u00e9\", \"back\\\\slash\"]"),
            R"((run "a\tb\n" "\x01" "\u00a0" "café" "back\\slash"))" "\n");
}

TEST(Dump, KeywordIsLowerCase) {
  EXPECT_EQ(DumpOf("FrOm a\nrUn b"), "(from \"a\")\n(run \"b\")\n");
}

TEST(Dump, HeredocBodiesAreNotPrinted) {
  EXPECT_EQ(DumpOf("FROM a\nCOPY <<EOF /dest\nhello\nEOF\n"), "(from \"a\")\n(copy \"<<EOF\" \"/dest\")\n");
}

}  // namespace
}  // namespace ubuild::parser
