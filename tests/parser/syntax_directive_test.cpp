// The syntax directive through the real grammar: which frontends ubuild
// stands in for, and where a refusal points.
#include "parser/syntax_directive.h"

#include <gtest/gtest.h>

#include "parser/instructions.h"
#include "store/base/error.h"

namespace ubuild::parser {
namespace {

std::string Syntax(const std::string& text) { return CheckSyntaxDirective(Parse(text, "Dockerfile")); }

TEST(SyntaxDirective, NoneIsEmpty) { EXPECT_EQ(Syntax("FROM scratch\n"), ""); }

TEST(SyntaxDirective, AnyDockerfileVersionTagOrDigest) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  for (const std::string& frontend :
       {std::string("docker/dockerfile"), std::string("docker/dockerfile:1"), std::string("docker/dockerfile:1.4"),
        std::string("docker/dockerfile:1.7-labs"), std::string("docker.io/docker/dockerfile:1"),
        std::string("docker/dockerfile@") + digest, std::string("docker/dockerfile:1.6@") + digest}) {
    EXPECT_EQ(Syntax("# syntax=" + frontend + "\nFROM scratch\n"), frontend);
  }
}

TEST(SyntaxDirective, OptionsAfterTheImageAreIgnoredAndCheckIsAccepted) {
  EXPECT_EQ(Syntax("# check=skip=all;error=true\n#syntax = docker/dockerfile:1 opt=1\nFROM scratch\n"),
            "docker/dockerfile:1");
}

TEST(SyntaxDirective, AnotherFrontendIsRefusedAtItsLine) {
  for (const std::string& frontend : {"docker/dockerfile-upstream:master", "tonistiigi/dockerfile:x",
                                      "example.com/docker/dockerfile:1", "docker/dockerfile:1@sha256:12"}) {
    try {
      Syntax("# escape=\\\n# syntax=" + frontend + "\nFROM scratch\n");
      ADD_FAILURE() << frontend;
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "Dockerfile:2") << frontend;
      EXPECT_NE(std::string(e.what()).find(frontend), std::string::npos) << e.what();
    }
  }
}

TEST(SyntaxDirective, ToInstructionsKeepsTheFrontend) {
  Dockerfile df = ToInstructions(Parse("# syntax=docker/dockerfile:1\nFROM scratch\n", "Dockerfile"));
  EXPECT_EQ(df.syntax, "docker/dockerfile:1");
}

}  // namespace
}  // namespace ubuild::parser
