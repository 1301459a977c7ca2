// Dockerfile text through Parse() and ToInstructions(): the two steps agree
// on the AST's shape (heredocs, HEALTHCHECK, ONBUILD, triples).
#include <gtest/gtest.h>

#include "parser/expand_instruction.h"
#include "parser/instructions.h"
#include "store/base/error.h"

namespace ubuild::parser {
namespace {

Dockerfile FromText(const std::string& text) { return ToInstructions(Parse(text, "Dockerfile")); }

std::string ErrorOf(const std::string& text) {
  try {
    FromText(text);
  } catch (const Error& e) {
    return e.message();
  }
  return "no error";
}

TEST(InstructionsFromText, TypicalDockerfile) {
  Dockerfile df = FromText(
      "ARG BASE=busybox\n"
      "FROM $BASE AS Base\n"
      "ENV A=1 B=\"two words\"\n"
      "COPY --chown=1:1 a b /d/\n"
      "HEALTHCHECK --interval=5s --retries=2 CMD curl -f http://x/ || exit 1\n"
      "FROM base\n"
      "CMD [\"a\", \"b\"]\n");
  ASSERT_EQ(df.meta_args.size(), 1u);
  ASSERT_EQ(df.stages.size(), 2u);
  EXPECT_EQ(df.stages[0].from.stage_name, "base");
  const auto& ins = df.stages[0].instructions;
  ASSERT_EQ(ins.size(), 3u);
  const auto& env = std::get<EnvInstr>(ins[0].instr);
  EXPECT_EQ(env.vars[1].value, "\"two words\"");
  EXPECT_EQ(ins[1].line, 4);
  EXPECT_EQ(std::get<CopyInstr>(ins[1].instr).chown, "1:1");
  const auto& hc = std::get<HealthcheckInstr>(ins[2].instr);
  EXPECT_EQ(hc.test, (std::vector<std::string>{"CMD-SHELL", "curl -f http://x/ || exit 1"}));
  EXPECT_EQ(hc.interval_ns, 5'000'000'000);
  EXPECT_EQ(hc.retries, 2);
  EXPECT_EQ(std::get<CmdInstr>(df.stages[1].instructions[0].instr).cmd.args, (std::vector<std::string>{"a", "b"}));
}

TEST(InstructionsFromText, CopyHeredocBecomesContent) {
  Dockerfile df = FromText(
      "FROM scratch\n"
      "COPY <<EOF ctx-file /x/\n"
      "hello $X\n"
      "EOF\n");
  const auto& copy = std::get<CopyInstr>(df.stages[0].instructions[0].instr);
  EXPECT_EQ(copy.sources, std::vector<std::string>{"ctx-file"});
  ASSERT_EQ(copy.heredocs.size(), 1u);
  EXPECT_EQ(copy.heredocs[0].name, "EOF");
  EXPECT_EQ(copy.heredocs[0].content, "hello $X\n");
  EXPECT_TRUE(copy.heredocs[0].expand);
  CopyInstr expanded =
      std::get<CopyInstr>(Expand(df.stages[0].instructions[0], LookupFromEnv({"X=world"}), '\\', "Dockerfile").instr);
  EXPECT_EQ(expanded.heredocs[0].content, "hello world\n");
}

TEST(InstructionsFromText, QuotedAndChompedHeredocSources) {
  Dockerfile df = FromText(
      "FROM scratch\n"
      "COPY <<-\"TWO\" <<'THREE' /x/\n"
      "\tkeep $X\n"
      "\tTWO\n"
      "three\n"
      "THREE\n");
  const auto& copy = std::get<CopyInstr>(df.stages[0].instructions[0].instr);
  EXPECT_TRUE(copy.sources.empty());
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[0].name, "TWO");
  EXPECT_EQ(copy.heredocs[0].content, "keep $X\n");
  EXPECT_FALSE(copy.heredocs[0].expand);
  EXPECT_EQ(copy.heredocs[1].name, "THREE");
  CopyInstr expanded =
      std::get<CopyInstr>(Expand(df.stages[0].instructions[0], LookupFromEnv({"X=1"}), '\\', "Dockerfile").instr);
  EXPECT_EQ(expanded.heredocs[0].content, "keep $X\n");
}

TEST(InstructionsFromText, OnbuildTriggerReparses) {
  Dockerfile df = FromText(
      "FROM scratch\n"
      "ONBUILD RUN <<EOF\n"
      "echo on\n"
      "EOF\n"
      "onbuild  copy --chown=2 a b\n");
  const auto& ins = df.stages[0].instructions;
  ASSERT_EQ(ins.size(), 2u);
  const std::string& run_text = std::get<OnbuildInstr>(ins[0].instr).expression;
  EXPECT_EQ(run_text, "RUN <<EOF\necho on\nEOF");
  EXPECT_EQ(std::get<OnbuildInstr>(ins[1].instr).expression, "copy --chown=2 a b");

  LocatedInstruction trigger = ParseSingleInstruction(run_text, "child/Dockerfile", 12);
  EXPECT_EQ(trigger.line, 12);
  EXPECT_EQ(trigger.keyword, "RUN");
  const auto& run = std::get<RunInstr>(trigger.instr);
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].content, "echo on\n");

  LocatedInstruction copy = ParseSingleInstruction("copy --chown=2 a b", "child/Dockerfile", 3);
  EXPECT_EQ(std::get<CopyInstr>(copy.instr).chown, "2");
}

TEST(InstructionsFromText, SingleInstructionErrorsAreLocatedAtTheTrigger) {
  try {
    ParseSingleInstruction("COPY --bogus a b", "Dockerfile", 7);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:7: unknown flag: --bogus");
  }
  EXPECT_THROW(ParseSingleInstruction("FROM x", "Dockerfile", 1), Error);
}

// ONBUILD's trigger rules live in instructions.cpp; the grammar accepts the text.
TEST(InstructionsFromText, OnbuildTriggerRules) {
  EXPECT_NO_THROW(Parse("FROM a\nONBUILD ONBUILD RUN x\n", "Dockerfile"));
  EXPECT_EQ(ErrorOf("FROM a\nONBUILD ONBUILD RUN x\n"),
            "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(ErrorOf("FROM a\nONBUILD ONBUILD ONBUILD RUN x\n"),
            "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  EXPECT_EQ(ErrorOf("FROM a\nONBUILD FROM b\n"), "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(ErrorOf("FROM a\nONBUILD MAINTAINER me\n"), "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger");
  // A trigger is checked again when a child runs it (an image may come from elsewhere).
  for (const char* trigger : {"FROM x", "MAINTAINER me", "ONBUILD RUN x"}) {
    try {
      ParseSingleInstruction(trigger, "Dockerfile", 4);
      ADD_FAILURE() << trigger << " was accepted as a trigger";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "Dockerfile:4") << trigger;
    }
  }
}

TEST(InstructionsFromText, ErrorsNameFileAndLine) {
  EXPECT_EQ(ErrorOf("FROM a\n\nCOPY --foo=1 a b\n"), "Dockerfile:3: unknown flag: --foo");
  EXPECT_EQ(ErrorOf("FROM a\nCOPY onlyone\n"),
            "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be "
            "determined");
  EXPECT_EQ(ErrorOf("RUN true\nFROM a\n"), "Dockerfile:1: no build stage in current context");
  EXPECT_EQ(ErrorOf("FROM a\nHEALTHCHECK --timeout=1x CMD true\n"),
            "Dockerfile:2: time: unknown unit \"x\" in duration \"1x\"");
  EXPECT_EQ(ErrorOf("FROM a\nSHELL /bin/sh -c\n"), "Dockerfile:2: SHELL requires the arguments to be in JSON form");
}

}  // namespace
}  // namespace ubuild::parser
