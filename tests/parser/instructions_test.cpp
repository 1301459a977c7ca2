// Typed instructions from hand-built AST nodes, so these tests pin the
// conversion rules independently of the grammar.
#include "parser/instructions.h"

#include <gtest/gtest.h>

#include "parser/duration.h"
#include "store/base/error.h"

namespace ubuild::parser {
namespace {

Node MakeNode(std::string keyword, std::vector<std::string> args, std::vector<std::string> flags = {},
              bool json = false) {
  static int next_line = 1;
  Node n;
  n.keyword = std::move(keyword);
  n.args = std::move(args);
  n.flags = std::move(flags);
  n.json_form = json;
  n.start_line = n.end_line = next_line++;
  n.original = n.keyword;
  return n;
}

Node Json(std::string keyword, std::vector<std::string> args, std::vector<std::string> flags = {}) {
  return MakeNode(std::move(keyword), std::move(args), std::move(flags), true);
}

Ast MakeAst(std::vector<Node> nodes) {
  Ast ast;
  ast.filename = "Dockerfile";
  int line = 1;
  for (Node& n : nodes) n.start_line = n.end_line = line++;
  ast.nodes = std::move(nodes);
  return ast;
}

// One instruction after `FROM scratch`.
Instruction One(Node node) {
  std::vector<Node> nodes;
  nodes.push_back(MakeNode("from", {"scratch"}));
  nodes.push_back(std::move(node));
  Dockerfile df = ToInstructions(MakeAst(std::move(nodes)));
  EXPECT_EQ(df.stages.size(), 1u);
  EXPECT_EQ(df.stages[0].instructions.size(), 1u);
  return df.stages.at(0).instructions.at(0).instr;
}

// The located message of converting `node` after a FROM (so on line 2).
std::string ErrorOf(Node node) {
  try {
    One(std::move(node));
  } catch (const Error& e) {
    return e.message();
  }
  return "no error";
}

TEST(Instructions, StagesAndMetaArgs) {
  std::vector<Node> nodes;
  nodes.push_back(MakeNode("arg", {"BASE=busybox", "TAG"}));
  nodes.push_back(MakeNode("from", {"$BASE:${TAG}", "AS", "Build-Stage"}, {"--platform=linux/amd64"}));
  nodes.push_back(MakeNode("run", {"echo hi"}));
  nodes.push_back(MakeNode("from", {"scratch"}));
  nodes.push_back(MakeNode("copy", {"/out", "/out"}, {"--from=build-stage"}));
  Ast ast = MakeAst(std::move(nodes));
  ast.escape = '`';
  Dockerfile df = ToInstructions(ast);
  EXPECT_EQ(df.filename, "Dockerfile");
  EXPECT_EQ(df.escape, '`');
  ASSERT_EQ(df.meta_args.size(), 1u);
  EXPECT_EQ(df.meta_arg_lines, std::vector<int>{1});
  ASSERT_EQ(df.meta_args[0].args.size(), 2u);
  EXPECT_EQ(df.meta_args[0].args[0].name, "BASE");
  EXPECT_EQ(df.meta_args[0].args[0].default_value, std::optional<std::string>("busybox"));
  EXPECT_EQ(df.meta_args[0].args[1].name, "TAG");
  EXPECT_FALSE(df.meta_args[0].args[1].default_value);
  ASSERT_EQ(df.stages.size(), 2u);
  EXPECT_EQ(df.stages[0].from.image, "$BASE:${TAG}");  // expanded later, with meta args
  EXPECT_EQ(df.stages[0].from.stage_name, "build-stage");
  EXPECT_EQ(df.stages[0].from.platform, "linux/amd64");
  EXPECT_EQ(df.stages[0].line, 2);
  ASSERT_EQ(df.stages[0].instructions.size(), 1u);
  EXPECT_EQ(df.stages[0].instructions[0].keyword, "RUN");
  EXPECT_EQ(df.stages[0].instructions[0].line, 3);
  EXPECT_EQ(df.stages[1].from.image, "scratch");
  EXPECT_EQ(df.stages[1].from.stage_name, "");
  ASSERT_EQ(df.stages[1].instructions.size(), 1u);
  EXPECT_EQ(std::get<CopyInstr>(df.stages[1].instructions[0].instr).from, "build-stage");
}

TEST(Instructions, ArgInsideStageIsAnInstruction) {
  Instruction i = One(MakeNode("arg", {"A=1=2", "B="}));
  const auto& arg = std::get<ArgInstr>(i);
  ASSERT_EQ(arg.args.size(), 2u);
  EXPECT_EQ(arg.args[0].default_value, std::optional<std::string>("1=2"));
  EXPECT_EQ(arg.args[1].default_value, std::optional<std::string>(""));
}

TEST(Instructions, InstructionBeforeFromIsAnError) {
  std::vector<Node> nodes;
  nodes.push_back(MakeNode("arg", {"A"}));
  nodes.push_back(MakeNode("run", {"true"}));
  try {
    ToInstructions(MakeAst(std::move(nodes)));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Dockerfile:2: no build stage in current context");
  }
}

TEST(Instructions, FromForms) {
  auto from_error = [](std::vector<std::string> args) {
    std::vector<Node> nodes;
    nodes.push_back(MakeNode("from", std::move(args)));
    try {
      ToInstructions(MakeAst(std::move(nodes)));
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(from_error({"a", "b"}), "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_EQ(from_error({"a", "to", "b"}), "Dockerfile:1: FROM requires either one or three arguments");
  EXPECT_EQ(from_error({"a", "as", "1st"}),
            "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols");
  EXPECT_EQ(from_error({"a", "as", "a$b"}),
            "Dockerfile:1: invalid name for build stage: \"a$b\", name can't start with a number or contain symbols");
  EXPECT_EQ(from_error({"a", "as", "ok-1_2.3"}), "no error");
  EXPECT_EQ(from_error({"a", "As", "UPPER"}), "no error");

  std::vector<Node> nodes;
  nodes.push_back(MakeNode("from", {"img"}, {"--platform"}));
  EXPECT_THROW(ToInstructions(MakeAst(std::move(nodes))), Error);
}

TEST(Instructions, RunShellAndExecForms) {
  auto shell = std::get<RunInstr>(One(MakeNode("run", {"echo hi && true"})));
  EXPECT_EQ(shell.cmd.args, std::vector<std::string>{"echo hi && true"});
  EXPECT_TRUE(shell.cmd.prepend_shell);
  auto exec = std::get<RunInstr>(One(Json("run", {"sh", "-c", "ls"})));
  EXPECT_EQ(exec.cmd.args, (std::vector<std::string>{"sh", "-c", "ls"}));
  EXPECT_FALSE(exec.cmd.prepend_shell);
}

TEST(Instructions, RunFlags) {
  auto run = std::get<RunInstr>(One(MakeNode(
      "run", {"make"},
      {"--network=none", "--mount=type=cache,target=/c", "--mount=type=tmpfs,target=/t", "--security=insecure"})));
  EXPECT_EQ(run.network, "none");
  EXPECT_EQ(run.security, "insecure");
  EXPECT_EQ(run.mounts, (std::vector<std::string>{"type=cache,target=/c", "type=tmpfs,target=/t"}));
  EXPECT_EQ(ErrorOf(MakeNode("run", {"x"}, {"--network=bridge"})), "Dockerfile:2: unsupported network mode \"bridge\"");
  EXPECT_EQ(ErrorOf(MakeNode("run", {"x"}, {"--security=weird"})), "Dockerfile:2: unsupported security mode \"weird\"");
  EXPECT_EQ(ErrorOf(MakeNode("run", {"x"}, {"--foo"})), "Dockerfile:2: unknown flag: --foo");
  EXPECT_EQ(ErrorOf(MakeNode("run", {"x"}, {"--network=host", "--network=none"})),
            "Dockerfile:2: duplicate flag specified: --network");
  EXPECT_EQ(ErrorOf(MakeNode("run", {"x"}, {"--network"})), "Dockerfile:2: missing a value on flag: --network");
}

TEST(Instructions, FlagsEndAtDoubleDash) {
  auto run = std::get<RunInstr>(One(MakeNode("run", {"x"}, {"--network=host", "--", "--bogus"})));
  EXPECT_EQ(run.network, "host");
}

TEST(Instructions, RunCarriesHeredocs) {
  Node node = MakeNode("run", {"<<EOF"});
  node.heredocs.push_back({"EOF", "echo a\necho b\n", true, false});
  auto run = std::get<RunInstr>(One(std::move(node)));
  ASSERT_EQ(run.heredocs.size(), 1u);
  EXPECT_EQ(run.heredocs[0].name, "EOF");
  EXPECT_EQ(run.heredocs[0].content, "echo a\necho b\n");
}

TEST(Instructions, CopyAndAdd) {
  auto copy = std::get<CopyInstr>(
      One(MakeNode("copy", {"a", "b", "/d/"}, {"--chown=1:2", "--chmod=755", "--from=base", "--link"})));
  EXPECT_FALSE(copy.is_add);
  EXPECT_EQ(copy.sources, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(copy.dest, "/d/");
  EXPECT_EQ(copy.chown, "1:2");
  EXPECT_EQ(copy.chmod, "755");
  EXPECT_EQ(copy.from, "base");
  EXPECT_TRUE(copy.link);

  auto add = std::get<CopyInstr>(One(MakeNode(
      "add", {"https://x/y.tgz", "/y"}, {"--checksum=sha256:abc", "--keep-git-dir=true", "--link=false"})));
  EXPECT_TRUE(add.is_add);
  EXPECT_EQ(add.checksum, "sha256:abc");
  EXPECT_TRUE(add.keep_git_dir);
  EXPECT_FALSE(add.link);

  auto json = std::get<CopyInstr>(One(Json("copy", {"a b", "/c d/"})));
  EXPECT_EQ(json.sources, std::vector<std::string>{"a b"});
  EXPECT_EQ(json.dest, "/c d/");
}

TEST(Instructions, CopyParentsAndRepeatableExclude) {
  auto copy = std::get<CopyInstr>(
      One(MakeNode("copy", {"a", "/d/"}, {"--parents", "--exclude=*.md", "--exclude=!keep.md"})));
  EXPECT_TRUE(copy.parents);
  EXPECT_EQ(copy.excludes, (std::vector<std::string>{"*.md", "!keep.md"}));
  auto add = std::get<CopyInstr>(One(MakeNode("add", {"a", "/d/"}, {"--exclude=x"})));
  EXPECT_EQ(add.excludes, std::vector<std::string>{"x"});
  EXPECT_FALSE(add.parents);
  EXPECT_EQ(ErrorOf(MakeNode("add", {"a", "b"}, {"--parents"})), "Dockerfile:2: unknown flag: --parents");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--exclude"})), "Dockerfile:2: missing a value on flag: --exclude");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--exclude="})), "Dockerfile:2: --exclude needs a pattern");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--parents", "--parents"})),
            "Dockerfile:2: duplicate flag specified: --parents");
}

TEST(Instructions, CopyAndAddErrors) {
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"only"})),
            "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be "
            "determined");
  EXPECT_EQ(ErrorOf(MakeNode("add", {})),
            "Dockerfile:2: ADD requires at least two arguments, but only one was provided. Destination could not be "
            "determined");
  EXPECT_EQ(ErrorOf(MakeNode("add", {"a", "b"}, {"--from=x"})), "Dockerfile:2: unknown flag: --from");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--checksum=x"})), "Dockerfile:2: unknown flag: --checksum");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--link=maybe"})),
            "Dockerfile:2: expecting boolean value for flag --link, not: maybe");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--link="})), "Dockerfile:2: missing a value on flag: --link");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"--chown"})), "Dockerfile:2: missing a value on flag: --chown");
  EXPECT_EQ(ErrorOf(MakeNode("copy", {"a", "b"}, {"-chown=1"})), "Dockerfile:2: flag should start with --: -chown=1");
}

TEST(Instructions, CopyHeredocSources) {
  Node node = MakeNode("copy", {"<<EOF", "file", "<<-\"TWO\"", "/dest/"});
  node.heredocs.push_back({"EOF", "hello $X\n", true, false});
  node.heredocs.push_back({"TWO", "two\n", false, true});
  auto copy = std::get<CopyInstr>(One(std::move(node)));
  EXPECT_EQ(copy.sources, std::vector<std::string>{"file"});
  ASSERT_EQ(copy.heredocs.size(), 2u);
  EXPECT_EQ(copy.heredocs[0].name, "EOF");
  EXPECT_EQ(copy.heredocs[0].content, "hello $X\n");
  EXPECT_EQ(copy.heredocs[1].name, "TWO");
  EXPECT_FALSE(copy.heredocs[1].expand);

  Node bad = MakeNode("copy", {"a", "<<EOF"});
  bad.heredocs.push_back({"EOF", "x\n", true, false});
  EXPECT_EQ(ErrorOf(std::move(bad)), "Dockerfile:2: COPY cannot accept a heredoc as a destination");
}

TEST(Instructions, EnvAndLabel) {
  auto env = std::get<EnvInstr>(One(MakeNode("env", {"A", "1", "=", "B", "\"two words\"", "=", "C", "x y", ""})));
  ASSERT_EQ(env.vars.size(), 3u);
  EXPECT_EQ(env.vars[0].key, "A");
  EXPECT_EQ(env.vars[0].value, "1");
  EXPECT_EQ(env.vars[1].value, "\"two words\"");  // quotes stay until Expand()
  EXPECT_EQ(env.vars[2].value, "x y");
  auto label = std::get<LabelInstr>(One(MakeNode("label", {"version", "1.0", "="})));
  ASSERT_EQ(label.labels.size(), 1u);
  EXPECT_EQ(label.labels[0].key, "version");

  EXPECT_EQ(ErrorOf(MakeNode("env", {})), "Dockerfile:2: ENV requires at least one argument");
  EXPECT_EQ(ErrorOf(MakeNode("env", {"", "v", "="})), "Dockerfile:2: ENV names can not be blank");
  EXPECT_EQ(ErrorOf(MakeNode("label", {"", "v", "="})), "Dockerfile:2: LABEL names can not be blank");
  EXPECT_EQ(ErrorOf(MakeNode("label", {})), "Dockerfile:2: LABEL requires at least one argument");
  EXPECT_EQ(ErrorOf(MakeNode("env", {"A", "1"})), "Dockerfile:2: Bad input to ENV, too many arguments");
  EXPECT_EQ(ErrorOf(MakeNode("env", {"A", "1", "="}, {"--x=1"})), "Dockerfile:2: unknown flag: --x");
}

TEST(Instructions, CmdAndEntrypoint) {
  auto cmd = std::get<CmdInstr>(One(MakeNode("cmd", {"echo $HOME"})));
  EXPECT_EQ(cmd.cmd.args, std::vector<std::string>{"echo $HOME"});
  EXPECT_TRUE(cmd.cmd.prepend_shell);
  auto entry = std::get<EntrypointInstr>(One(Json("entrypoint", {"/bin/app", "--flag"})));
  EXPECT_EQ(entry.cmd.args, (std::vector<std::string>{"/bin/app", "--flag"}));
  EXPECT_FALSE(entry.cmd.prepend_shell);
  auto empty = std::get<EntrypointInstr>(One(Json("entrypoint", {})));
  EXPECT_TRUE(empty.cmd.args.empty());
  EXPECT_FALSE(empty.cmd.prepend_shell);
}

TEST(Instructions, SimpleSingleArgumentInstructions) {
  EXPECT_EQ(std::get<UserInstr>(One(MakeNode("user", {"app:app"}))).user, "app:app");
  EXPECT_EQ(std::get<WorkdirInstr>(One(MakeNode("workdir", {"/app"}))).path, "/app");
  EXPECT_EQ(std::get<StopsignalInstr>(One(MakeNode("stopsignal", {"SIGTERM"}))).signal, "SIGTERM");
  EXPECT_EQ(std::get<MaintainerInstr>(One(MakeNode("maintainer", {"Jane <j@x>"}))).name, "Jane <j@x>");
  EXPECT_EQ(ErrorOf(MakeNode("user", {})), "Dockerfile:2: USER requires exactly one argument");
  EXPECT_EQ(ErrorOf(MakeNode("workdir", {"a", "b"})), "Dockerfile:2: WORKDIR requires exactly one argument");
  EXPECT_EQ(ErrorOf(MakeNode("stopsignal", {})), "Dockerfile:2: STOPSIGNAL requires exactly one argument");
  EXPECT_EQ(ErrorOf(MakeNode("maintainer", {})), "Dockerfile:2: MAINTAINER requires exactly one argument");
  EXPECT_EQ(ErrorOf(MakeNode("user", {"x"}, {"--uid=1"})), "Dockerfile:2: unknown flag: --uid");
}

TEST(Instructions, ExposeAndVolume) {
  auto expose = std::get<ExposeInstr>(One(MakeNode("expose", {"80", "443/udp", "22"})));
  EXPECT_EQ(expose.ports, (std::vector<std::string>{"22", "443/udp", "80"}));  // sorted, as BuildKit
  auto volume = std::get<VolumeInstr>(One(Json("volume", {" /data ", "/logs"})));
  EXPECT_EQ(volume.paths, (std::vector<std::string>{"/data", "/logs"}));
  EXPECT_EQ(ErrorOf(MakeNode("expose", {})), "Dockerfile:2: EXPOSE requires at least one argument");
  EXPECT_EQ(ErrorOf(MakeNode("volume", {})), "Dockerfile:2: VOLUME requires at least one argument");
  EXPECT_EQ(ErrorOf(Json("volume", {"  "})), "Dockerfile:2: VOLUME specified can not be an empty string");
}

TEST(Instructions, ArgErrors) {
  EXPECT_EQ(ErrorOf(MakeNode("arg", {})), "Dockerfile:2: ARG requires at least one argument");
  EXPECT_EQ(ErrorOf(MakeNode("arg", {"=x"})), "Dockerfile:2: ARG names can not be blank");
}

TEST(Instructions, Shell) {
  auto shell = std::get<ShellInstr>(One(Json("shell", {"/bin/bash", "-c"})));
  EXPECT_EQ(shell.shell, (std::vector<std::string>{"/bin/bash", "-c"}));
  EXPECT_EQ(ErrorOf(MakeNode("shell", {"/bin/bash -c"})), "Dockerfile:2: SHELL requires the arguments to be in JSON form");
  EXPECT_EQ(ErrorOf(Json("shell", {})), "Dockerfile:2: SHELL requires at least one argument");
}

TEST(Instructions, Onbuild) {
  Node node = MakeNode("onbuild", {});
  node.original = "ONBUILD   RUN echo hi";
  node.inner = std::make_unique<Node>(MakeNode("run", {"echo hi"}));
  EXPECT_EQ(std::get<OnbuildInstr>(One(std::move(node))).expression, "RUN echo hi");

  Node lower = MakeNode("onbuild", {});
  lower.original = "onbuild COPY <<EOF /x";
  lower.inner = std::make_unique<Node>(MakeNode("copy", {"<<EOF", "/x"}));
  lower.inner->heredocs.push_back({"EOF", "data\n", true, false});
  EXPECT_EQ(std::get<OnbuildInstr>(One(std::move(lower))).expression, "COPY <<EOF /x\ndata\nEOF");

  for (const char* forbidden : {"onbuild", "from", "maintainer"}) {
    Node bad = MakeNode("onbuild", {});
    bad.inner = std::make_unique<Node>(MakeNode(forbidden, {"x"}));
    std::string message = ErrorOf(std::move(bad));
    if (std::string(forbidden) == "onbuild") {
      EXPECT_EQ(message, "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    } else {
      EXPECT_EQ(message, "Dockerfile:2: " + std::string(forbidden == std::string("from") ? "FROM" : "MAINTAINER") +
                             " isn't allowed as an ONBUILD trigger");
    }
  }
  EXPECT_EQ(ErrorOf(MakeNode("onbuild", {})), "Dockerfile:2: ONBUILD requires at least one argument");
}

TEST(Instructions, HealthcheckNone) {
  auto none = std::get<HealthcheckInstr>(One(MakeNode("healthcheck", {"NONE"})));
  EXPECT_TRUE(none.none);
  EXPECT_EQ(none.test, std::vector<std::string>{"NONE"});
  EXPECT_EQ(ErrorOf(MakeNode("healthcheck", {"none", "x"})), "Dockerfile:2: HEALTHCHECK NONE takes no arguments");
  EXPECT_EQ(ErrorOf(MakeNode("healthcheck", {})), "Dockerfile:2: HEALTHCHECK requires at least one argument");
}

TEST(Instructions, HealthcheckCmd) {
  auto shell = std::get<HealthcheckInstr>(One(MakeNode(
      "healthcheck", {"CMD", "curl -f http://localhost/"},
      {"--interval=30s", "--timeout=1m30s", "--start-period=500ms", "--start-interval=2s", "--retries=3"})));
  EXPECT_FALSE(shell.none);
  EXPECT_EQ(shell.test, (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/"}));
  EXPECT_EQ(shell.interval_ns, 30'000'000'000);
  EXPECT_EQ(shell.timeout_ns, 90'000'000'000);
  EXPECT_EQ(shell.start_period_ns, 500'000'000);
  EXPECT_EQ(shell.start_interval_ns, 2'000'000'000);
  EXPECT_EQ(shell.retries, 3);

  auto exec = std::get<HealthcheckInstr>(One(Json("healthcheck", {"cmd", "/bin/check", "-v"})));
  EXPECT_EQ(exec.test, (std::vector<std::string>{"CMD", "/bin/check", "-v"}));
  EXPECT_EQ(exec.interval_ns, 0);
  EXPECT_EQ(exec.retries, 0);
}

TEST(Instructions, HealthcheckErrors) {
  auto hc = [](std::vector<std::string> flags) {
    return ErrorOf(MakeNode("healthcheck", {"CMD", "true"}, std::move(flags)));
  };
  EXPECT_EQ(hc({"--interval=0"}), "no error");
  EXPECT_EQ(hc({"--interval=-1s"}), "Dockerfile:2: Interval \"interval\" cannot be less than 1ms");
  EXPECT_EQ(hc({"--timeout=500us"}), "Dockerfile:2: Interval \"timeout\" cannot be less than 1ms");
  EXPECT_EQ(hc({"--interval=abc"}), "Dockerfile:2: time: invalid duration \"abc\"");
  EXPECT_EQ(hc({"--interval=10"}), "Dockerfile:2: time: missing unit in duration \"10\"");
  EXPECT_EQ(hc({"--start-period=3d"}), "Dockerfile:2: time: unknown unit \"d\" in duration \"3d\"");
  EXPECT_EQ(hc({"--retries=-1"}), "Dockerfile:2: --retries cannot be negative (-1)");
  EXPECT_EQ(hc({"--retries=x"}), "Dockerfile:2: strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(hc({"--retries=99999999999"}), "Dockerfile:2: strconv.ParseInt: parsing \"99999999999\": value out of range");
  EXPECT_EQ(hc({"--foo=1"}), "Dockerfile:2: unknown flag: --foo");
  EXPECT_EQ(ErrorOf(MakeNode("healthcheck", {"CMD"})), "Dockerfile:2: Missing command after HEALTHCHECK CMD");
  EXPECT_EQ(ErrorOf(MakeNode("healthcheck", {"RUN", "x"})), "Dockerfile:2: Unknown type \"RUN\" in HEALTHCHECK (try CMD)");
}

TEST(Instructions, UnknownInstruction) {
  EXPECT_EQ(ErrorOf(MakeNode("foo", {"bar"})), "Dockerfile:2: unknown instruction: FOO");
}

TEST(Instructions, KeepsLocationAndSource) {
  std::vector<Node> nodes;
  nodes.push_back(MakeNode("from", {"scratch"}));
  nodes.push_back(MakeNode("workdir", {"/x"}));
  nodes[1].original = "WORKDIR /x";
  Ast ast = MakeAst(std::move(nodes));
  ast.nodes[1].start_line = 7;
  Dockerfile df = ToInstructions(ast);
  const LocatedInstruction& li = df.stages[0].instructions[0];
  EXPECT_EQ(li.line, 7);
  EXPECT_EQ(li.keyword, "WORKDIR");
  EXPECT_EQ(li.original, "WORKDIR /x");
}

TEST(Duration, GoSyntax) {
  EXPECT_EQ(ParseDuration("0"), 0);
  EXPECT_EQ(ParseDuration("1ns"), 1);
  EXPECT_EQ(ParseDuration("1us"), 1000);
  EXPECT_EQ(ParseDuration("1\xC2\xB5s"), 1000);
  EXPECT_EQ(ParseDuration("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(ParseDuration("1h2m3s4ms"), 3'723'004'000'000);
  EXPECT_EQ(ParseDuration(".5s"), 500'000'000);
  EXPECT_EQ(ParseDuration("5.s"), 5'000'000'000);
  EXPECT_EQ(ParseDuration("-2s"), -2'000'000'000);
  EXPECT_EQ(ParseDuration("+2s"), 2'000'000'000);
  EXPECT_THROW(ParseDuration(""), Error);
  EXPECT_THROW(ParseDuration("-"), Error);
  EXPECT_THROW(ParseDuration(".s"), Error);
  EXPECT_THROW(ParseDuration("1s "), Error);
  EXPECT_THROW(ParseDuration("9999999999999h"), Error);
}

}  // namespace
}  // namespace ubuild::parser
