#include "builder/dispatch/build_args.h"

#include <gtest/gtest.h>

namespace ubuild::builder {
namespace {

// The ARG scoping case of the conformance suite (20-arg-scoping), as
// Docker 20.10 recorded it.
TEST(BuildArgs, MetaArgVisibleOnlyAfterRedeclaration) {
  BuildArgs args({});
  args.AddMetaArg("G", std::string("global"));
  EXPECT_TRUE(args.Allowed({}).empty());
  args.Declare("G", std::nullopt);
  EXPECT_EQ(args.Allowed({}), (std::vector<std::string>{"G=global"}));
  args.Declare("L", std::nullopt);
  args.Declare("M", std::string("default"));
  EXPECT_EQ(args.Allowed({}), (std::vector<std::string>{"G=global", "M=default"}));
  args.Declare("G", std::string("redeclared"));
  EXPECT_EQ(args.Allowed({"M=from-env"}), (std::vector<std::string>{"G=redeclared"}));
}

TEST(BuildArgs, CommandLineOverridesDefaults) {
  BuildArgs args({{"A", "1"}, {"C", "cli"}});
  args.Declare("A", std::nullopt);
  args.Declare("B", std::nullopt);
  args.Declare("C", std::string("3"));
  EXPECT_EQ(args.Allowed({}), (std::vector<std::string>{"A=1", "C=cli"}));
}

TEST(BuildArgs, SortedAsStringsLikeDocker) {
  BuildArgs args({});
  args.Declare("A", std::string("y"));
  args.Declare("A1", std::string("x"));
  EXPECT_EQ(args.Allowed({}), (std::vector<std::string>{"A1=x", "A=y"}));
}

// A platform arg is there for a stage that declares it, an empty variant
// included (BuildKit sets TARGETVARIANT= in the RUN's environment), and a
// --build-arg naming one still counts as unused until an ARG declares it.
TEST(BuildArgs, PredefinedPlatformArgs) {
  BuildArgs args(std::map<std::string, std::string>{{"TARGETOS", "os2"}});
  args.AddPredefinedArg("TARGETARCH", std::string("amd64"));
  args.AddPredefinedArg("TARGETVARIANT", std::string(""));
  args.AddPredefinedArg("TARGETOS", std::string("linux"));
  EXPECT_TRUE(args.Allowed({}).empty());
  EXPECT_EQ(args.Unused(), (std::vector<std::string>{"TARGETOS"}));
  args.Declare("TARGETARCH", std::nullopt);
  args.Declare("TARGETVARIANT", std::nullopt);
  args.Declare("TARGETOS", std::nullopt);
  EXPECT_EQ(args.Allowed({}), (std::vector<std::string>{"TARGETARCH=amd64", "TARGETOS=os2", "TARGETVARIANT="}));
  EXPECT_TRUE(args.Unused().empty());
}

TEST(BuildArgs, ResetStageForgetsStageArgs) {
  BuildArgs args({});
  args.Declare("X", std::string("1"));
  args.ResetStage();
  EXPECT_TRUE(args.Allowed({}).empty());
}

}  // namespace
}  // namespace ubuild::builder

namespace ubuild::builder {
namespace {

TEST(BuildArgs, UnusedSeenAcrossStageCopies) {
  BuildArgs base({{"USED", "1"}, {"NEVER", "2"}});
  BuildArgs stage = base;  // the builder copies the args for each stage
  stage.Declare("USED", std::nullopt);
  EXPECT_EQ(base.Unused(), (std::vector<std::string>{"NEVER"}));
}

}  // namespace
}  // namespace ubuild::builder
