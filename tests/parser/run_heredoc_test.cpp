// RUN with heredocs from Dockerfile text to the command SHELL runs, the
// cases of BuildKit's dispatchRun (frontend/dockerfile/dockerfile2llb).
#include "parser/run_heredoc.h"

#include <gtest/gtest.h>

#include "parser/ast.h"
#include "store/base/error.h"

namespace ubuild::parser {
namespace {

RunInstr LastRun(const std::string& text) {
  Dockerfile df = ToInstructions(Parse(text, "Dockerfile"));
  return std::get<RunInstr>(df.stages.back().instructions.back().instr);
}

TEST(RunHeredoc, LoneMarkers) {
  EXPECT_TRUE(IsLoneHeredoc("<<EOF"));
  EXPECT_TRUE(IsLoneHeredoc("<<-EOF"));
  EXPECT_TRUE(IsLoneHeredoc("<<\"EOF\""));
  EXPECT_TRUE(IsLoneHeredoc("<<'EOF'"));
  EXPECT_TRUE(IsLoneHeredoc("<< EOF"));  // BuildKit's regexp allows the space
  EXPECT_TRUE(IsLoneHeredoc("3<<EOF"));  // and a file descriptor
  EXPECT_FALSE(IsLoneHeredoc("<<EOF bash"));
  EXPECT_FALSE(IsLoneHeredoc("cat <<EOF"));
  EXPECT_FALSE(IsLoneHeredoc("<<A <<B"));
  EXPECT_FALSE(IsLoneHeredoc("<<"));
}

TEST(RunHeredoc, LoneHeredocRunsItsBody) {
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN <<EOF\necho $A\nls\nEOF\n")), "echo $A\nls\n");
  // Tabs stripped for <<-; quotes on the delimiter change nothing (the body is the script).
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN <<-'EOF'\n\techo $A\n\tEOF\n")), "echo $A\n");
}

TEST(RunHeredoc, OtherCommandsGetTheBodiesAppended) {
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN <<EOF bash\necho hi\nEOF\n")), "<<EOF bash\necho hi\nEOF");
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN python3 <<EOF > /out\nprint(1)\nEOF\n")),
            "python3 <<EOF > /out\nprint(1)\nEOF");
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN cat <<A >/a && cat <<\"B\" >/b\n$x\nA\n$y\nB\n")),
            "cat <<A >/a && cat <<\"B\" >/b\n$x\nA\n$y\nB");
  // <<-: the shell strips the tabs, so it gets them, and the delimiter without its tab.
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN cat <<-EOF >/c\n\t\tone\n\tEOF\n")), "cat <<-EOF >/c\n\t\tone\nEOF");
}

TEST(RunHeredoc, ShebangScriptRunsAsItsOwnFile) {
  std::optional<HeredocScript> script =
      RunHeredocScript(LastRun("FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"));
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->path, "/dev/pipes/EOF");
  EXPECT_EQ(script->content, "#!/usr/bin/env python3\nprint(1)\n");
  // <<-: the body's tabs are stripped before the #! is looked for.
  script = RunHeredocScript(LastRun("FROM x\nRUN <<-END\n\t#!/bin/sh\n\techo hi\n\tEND\n"));
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->path, "/dev/pipes/END");
  EXPECT_EQ(script->content, "#!/bin/sh\necho hi\n");
  // Not lone: the shell runs the command, which reads the #! line as data.
  EXPECT_FALSE(RunHeredocScript(LastRun("FROM x\nRUN <<EOF sh\n#!/bin/sh\nEOF\n")).has_value());
  EXPECT_EQ(RunHeredocCommand(LastRun("FROM x\nRUN <<EOF sh\n#!/bin/sh\nEOF\n")), "<<EOF sh\n#!/bin/sh\nEOF");
  // A lone heredoc without #! goes to the shell; no heredoc at all is no script.
  EXPECT_FALSE(RunHeredocScript(LastRun("FROM x\nRUN <<EOF\necho hi\nEOF\n")).has_value());
  EXPECT_FALSE(RunHeredocScript(LastRun("FROM x\nRUN echo '#!'\n")).has_value());
}

}  // namespace
}  // namespace ubuild::parser
