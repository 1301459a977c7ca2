#include "builder/cli/command_args.h"

#include <gtest/gtest.h>

namespace ubuild::cli {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"human", 'H', false, "", ""},
    {"quiet", 'q', false, "", ""},
    {"output", 'o', true, "FILE", ""},
    {"filter", 'f', true, "K=V", ""},
};

TEST(ParseCommandArgs, ShortFlagWithEqualsTakesTheRestAsPflagDoes) {
  ParsedArgs p = ParseCommandArgs("t", {"-o=out.tar", "ref"}, kFlags);
  EXPECT_EQ(p.values.at("output"), "out.tar");
  EXPECT_EQ(p.positional, std::vector<std::string>{"ref"});
  p = ParseCommandArgs("t", {"-oout.tar"}, kFlags);
  EXPECT_EQ(p.values.at("output"), "out.tar");
  p = ParseCommandArgs("t", {"-qo", "x"}, kFlags);
  EXPECT_TRUE(p.Has("quiet"));
  EXPECT_EQ(p.values.at("output"), "x");
}

TEST(ParseCommandArgs, BooleanTakesTrueOrFalseAfterEquals) {
  EXPECT_TRUE(ParseCommandArgs("t", {}, kFlags).Bool("human", true));
  EXPECT_FALSE(ParseCommandArgs("t", {}, kFlags).Bool("human", false));
  EXPECT_FALSE(ParseCommandArgs("t", {"-H=false"}, kFlags).Bool("human", true));
  EXPECT_FALSE(ParseCommandArgs("t", {"--human=false"}, kFlags).Bool("human", true));
  EXPECT_TRUE(ParseCommandArgs("t", {"-H=false", "-H"}, kFlags).Bool("human", true));  // the last word wins
  EXPECT_TRUE(ParseCommandArgs("t", {"--human=true"}, kFlags).Bool("human", false));
  EXPECT_TRUE(ParseCommandArgs("t", {"-H"}, kFlags).Bool("human", false));
  EXPECT_THROW(ParseCommandArgs("t", {"-H=maybe"}, kFlags), UsageError);
  // No value of its own: "false" after -H is an operand, as in docker.
  EXPECT_EQ(ParseCommandArgs("t", {"-H", "false"}, kFlags).positional, std::vector<std::string>{"false"});
}

TEST(ParseCommandArgs, KeepsEveryValueOfARepeatedFlag) {
  ParsedArgs p = ParseCommandArgs("t", {"-f", "a=1", "--filter=b=2", "-fc=3"}, kFlags);
  EXPECT_EQ(p.repeated.at("filter"), (std::vector<std::string>{"a=1", "b=2", "c=3"}));
  EXPECT_EQ(p.values.at("filter"), "c=3");
}

Command TestCommand() { return {"t", "", "", kFlags, nullptr}; }

TEST(AsksForHelp, FindsHelpAmongTheFlagsOnly) {
  EXPECT_TRUE(AsksForHelp(TestCommand(), {"-h"}));
  EXPECT_TRUE(AsksForHelp(TestCommand(), {"x", "--help"}));
  EXPECT_TRUE(AsksForHelp(TestCommand(), {"-qh"}));
  EXPECT_FALSE(AsksForHelp(TestCommand(), {"-o", "-h"}));    // the value of -o
  EXPECT_FALSE(AsksForHelp(TestCommand(), {"--", "-h"}));    // an operand
  EXPECT_FALSE(AsksForHelp(TestCommand(), {"--help=false"}));
  EXPECT_FALSE(AsksForHelp(TestCommand(), {"--bogus", "-h"}));  // the command reports --bogus
}

}  // namespace
}  // namespace ubuild::cli
