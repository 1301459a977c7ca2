#include "parser/meta_args.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

Dockerfile WithMetaArgs(std::vector<ArgInstr> args) {
  Dockerfile df;
  df.filename = "Dockerfile";
  for (size_t i = 0; i < args.size(); ++i) df.meta_arg_lines.push_back(static_cast<int>(i) + 1);
  df.meta_args = std::move(args);
  return df;
}

TEST(MetaArgs, ResolvedInOrderWithBuildArgOverrides) {
  ArgInstr first;
  first.args.push_back({"REG", std::string("docker.io")});
  first.args.push_back({"TAG", std::nullopt});
  ArgInstr second;
  second.args.push_back({"IMAGE", std::string("$REG/library/busybox")});
  second.args.push_back({"UNSET", std::nullopt});
  Dockerfile df = WithMetaArgs({first, second});
  EXPECT_EQ(ResolveMetaArgs(df, {}, {}), (std::vector<std::string>{"REG=docker.io", "IMAGE=docker.io/library/busybox"}));
  EXPECT_EQ(ResolveMetaArgs(df, {{"REG", "local"}, {"TAG", "1.36"}, {"OTHER", "x"}}, {}),
            (std::vector<std::string>{"REG=local", "TAG=1.36", "IMAGE=local/library/busybox"}));
}

TEST(MetaArgs, PredefinedComeFirstAndYieldToBuildArgsAndGlobalArgs) {
  ArgInstr global;
  global.args.push_back({"GOARCH", std::string("go-$TARGETARCH")});
  global.args.push_back({"TARGETOS", std::string("plan9")});
  global.args.push_back({"TARGETVARIANT", std::nullopt});  // no default: the predefined value stays
  Dockerfile df = WithMetaArgs({global});
  const std::vector<std::string> predefined{"TARGETOS=linux", "TARGETARCH=amd64", "TARGETVARIANT="};
  std::vector<std::string> env = ResolveMetaArgs(df, {}, predefined);
  EXPECT_EQ(env, (std::vector<std::string>{"TARGETOS=linux", "TARGETARCH=amd64", "TARGETVARIANT=",
                                           "GOARCH=go-amd64", "TARGETOS=plan9"}));
  EXPECT_EQ(MetaArgValue(env, "TARGETOS"), "plan9");
  EXPECT_EQ(MetaArgValue(env, "TARGETVARIANT"), "");
  EXPECT_EQ(MetaArgValue(env, "TARGET"), std::nullopt);

  env = ResolveMetaArgs(df, {{"TARGETARCH", "arm64"}}, predefined);
  EXPECT_EQ(MetaArgValue(env, "TARGETARCH"), "arm64");
  EXPECT_EQ(MetaArgValue(env, "GOARCH"), "go-arm64");
}

TEST(MetaArgs, ExpandFrom) {
  Stage stage;
  stage.line = 5;
  stage.from = {"${IMAGE}:${TAG:-latest}", "base", "$PLAT"};
  FromInstr from = ExpandFrom(stage, {"IMAGE=busybox", "PLAT=linux/amd64"}, '\\', "Dockerfile");
  EXPECT_EQ(from.image, "busybox:latest");
  EXPECT_EQ(from.stage_name, "base");
  EXPECT_EQ(from.platform, "linux/amd64");

  stage.from.image = "$NOTHING";
  try {
    ExpandFrom(stage, {}, '\\', "Dockerfile");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:5: base name ($NOTHING) should not be blank");
  }
}

TEST(MetaArgs, ErrorsNameTheArgLine) {
  ArgInstr ok;
  ok.args.push_back({"A", std::string("1")});
  ArgInstr bad;
  bad.args.push_back({"B", std::string("${A")});
  try {
    ResolveMetaArgs(WithMetaArgs({ok, bad}), {}, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:2: failed to process \"${A\": syntax error: missing '}'");
  }
}

}  // namespace
}  // namespace ubuild::parser
