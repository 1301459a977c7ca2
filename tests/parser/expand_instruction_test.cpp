#include "parser/expand_instruction.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

const VarLookup kVars = LookupFromEnv({"DIR=/app", "USER_=web", "PORTS=80 443/udp", "Q=\"q\"", "SP=a b", "EMPTY="});

LocatedInstruction Located(Instruction instr, int line = 4) {
  return LocatedInstruction{std::move(instr), line, "X", "X"};
}

template <typename T>
T Expanded(T instr, char escape = '\\') {
  return std::get<T>(Expand(Located(std::move(instr)), kVars, escape, "Dockerfile").instr);
}

TEST(ExpandInstruction, CopyExpandsPathsAndFlags) {
  CopyInstr c;
  c.sources = {"$DIR/a", "'$DIR'/b"};
  c.dest = "${DIR}/dest/";
  c.chown = "$USER_:$USER_";
  c.chmod = "${MODE:-644}";
  c.from = "${STAGE:-builder}";
  c.excludes = {"$DIR/*.md"};
  c.checksum = "${SUM:-sha256:0}";
  c.heredocs.push_back({"EOF", "in $DIR \"quoted\"\n", true, false});
  c.heredocs.push_back({"RAW", "keep $DIR\n", false, false});
  CopyInstr e = Expanded(c);
  EXPECT_EQ(e.sources, (std::vector<std::string>{"/app/a", "$DIR/b"}));
  EXPECT_EQ(e.dest, "/app/dest/");
  EXPECT_EQ(e.chown, "web:web");
  EXPECT_EQ(e.chmod, "644");
  EXPECT_EQ(e.from, "builder");
  EXPECT_EQ(e.excludes, std::vector<std::string>{"/app/*.md"});
  EXPECT_EQ(e.checksum, "sha256:0");
  EXPECT_EQ(e.heredocs[0].content, "in /app \"quoted\"\n");
  EXPECT_EQ(e.heredocs[1].content, "keep $DIR\n");  // <<"RAW": no expansion
}

TEST(ExpandInstruction, EnvAndLabelExpandKeysAndValuesAndRemoveQuotes) {
  EnvInstr env{{{"HOME_$USER_", "\"two words\""}, {"P", "$DIR/bin:${PATH}"}, {"S", "'$DIR'"}}};
  EnvInstr e = Expanded(env);
  EXPECT_EQ(e.vars[0].key, "HOME_web");
  EXPECT_EQ(e.vars[0].value, "two words");
  EXPECT_EQ(e.vars[1].value, "/app/bin:");
  EXPECT_EQ(e.vars[2].value, "$DIR");
  LabelInstr label{{{"\"com.x.dir\"", "$DIR"}}};
  LabelInstr l = Expanded(label);
  EXPECT_EQ(l.labels[0].key, "com.x.dir");
  EXPECT_EQ(l.labels[0].value, "/app");
}

TEST(ExpandInstruction, ExposeSplitsExpandedWords) {
  ExposeInstr expose{{"$PORTS", "8080", "$EMPTY"}};
  EXPECT_EQ(Expanded(expose).ports, (std::vector<std::string>{"80", "443/udp", "8080"}));
}

TEST(ExpandInstruction, SingleWordInstructions) {
  EXPECT_EQ(Expanded(UserInstr{"$USER_"}).user, "web");
  EXPECT_EQ(Expanded(WorkdirInstr{"$DIR/sub dir"}).path, "/app/sub dir");
  EXPECT_EQ(Expanded(StopsignalInstr{"${SIG:-SIGQUIT}"}).signal, "SIGQUIT");
  EXPECT_EQ(Expanded(VolumeInstr{{"$DIR/data", "$SP"}}).paths, (std::vector<std::string>{"/app/data", "a b"}));
}

TEST(ExpandInstruction, ArgDefaults) {
  ArgInstr arg;
  arg.args.push_back({"A", std::string("$DIR/x")});
  arg.args.push_back({"B", std::nullopt});
  ArgInstr e = Expanded(arg);
  EXPECT_EQ(e.args[0].default_value, std::optional<std::string>("/app/x"));
  EXPECT_FALSE(e.args[1].default_value);
}

TEST(ExpandInstruction, ShellHandledInstructionsAreUnchanged) {
  RunInstr run;
  run.cmd = {{"echo $DIR"}, true};
  EXPECT_EQ(Expanded(run).cmd.args, std::vector<std::string>{"echo $DIR"});
  EXPECT_EQ(Expanded(CmdInstr{{{"echo", "$DIR"}, false}}).cmd.args, (std::vector<std::string>{"echo", "$DIR"}));
  EXPECT_EQ(Expanded(EntrypointInstr{{{"$DIR/app"}, false}}).cmd.args, std::vector<std::string>{"$DIR/app"});
  EXPECT_EQ(Expanded(ShellInstr{{"$DIR/sh"}}).shell, std::vector<std::string>{"$DIR/sh"});
  EXPECT_EQ(Expanded(OnbuildInstr{"RUN echo $DIR"}).expression, "RUN echo $DIR");
  EXPECT_EQ(Expanded(MaintainerInstr{"$USER_"}).name, "$USER_");
  HealthcheckInstr hc;
  hc.test = {"CMD-SHELL", "check $DIR"};
  EXPECT_EQ(Expanded(hc).test[1], "check $DIR");
}

TEST(ExpandInstruction, EscapeCharacterApplies) {
  EXPECT_EQ(Expanded(WorkdirInstr{"c:\\app\\`$DIR"}, '`').path, "c:\\app\\$DIR");
}

TEST(ExpandInstruction, ErrorsAreLocated) {
  try {
    Expand(Located(WorkdirInstr{"${DIR"}, 9), kVars, '\\', "sub/Dockerfile");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "sub/Dockerfile:9: failed to process \"${DIR\": syntax error: missing '}'");
  }
  try {
    Expand(Located(UserInstr{"${NOBODY:?set NOBODY}"}, 3), kVars, '\\', "Dockerfile");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:3: failed to process \"${NOBODY:?set NOBODY}\": NOBODY: set NOBODY");
  }
}

}  // namespace
}  // namespace ubuild::parser
