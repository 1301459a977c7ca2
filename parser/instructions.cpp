// Raw AST nodes -> typed instructions, with the checks BuildKit's
// instructions.Parse makes: the flags each instruction accepts, argument
// counts, stage names, HEALTHCHECK options. Messages follow BuildKit's so
// users see the errors they know; the location is always file:line.
#include "parser/instructions.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <regex>

#include "parser/duration.h"
#include "parser/flag_parser.h"
#include "parser/syntax_directive.h"
#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::parser {
namespace {

using FlagType = FlagParser::Type;

Error AtLeastOneArgument(const std::string& command) { return Error(command + " requires at least one argument"); }
Error ExactlyOneArgument(const std::string& command) { return Error(command + " requires exactly one argument"); }
Error BlankNames(const std::string& command) { return Error(command + " names can not be blank"); }

// Declares `spec` on a fresh parser and checks the node's flags against it.
FlagParser Flags(const Node& node, std::initializer_list<std::pair<const char*, FlagType>> spec) {
  FlagParser parser;
  for (const auto& [name, type] : spec) parser.Declare(name, type);
  parser.Parse(node.flags);
  return parser;
}

void NoFlags(const Node& node) { Flags(node, {}); }

// Shell form is one string the builder runs through the SHELL in effect;
// exec form is the JSON array as given.
CommandLine ToCommandLine(const Node& node, const std::vector<std::string>& args) {
  CommandLine cmd;
  cmd.prepend_shell = !node.json_form;
  if (node.json_form || args.empty()) {
    cmd.args = args;
  } else {
    std::string joined;
    for (size_t i = 0; i < args.size(); ++i) joined += (i ? " " : "") + args[i];
    cmd.args.push_back(joined);
  }
  return cmd;
}

std::vector<KeyValue> KeyValues(const Node& node, const std::string& command) {
  if (node.args.empty()) throw AtLeastOneArgument(command);
  if (node.args.size() % 3 != 0) throw Error("Bad input to " + command + ", too many arguments");
  std::vector<KeyValue> out;
  for (size_t i = 0; i < node.args.size(); i += 3) {
    if (node.args[i].empty()) throw BlankNames(command);
    out.push_back({node.args[i], node.args[i + 1]});
  }
  return out;
}

FromInstr ParseFrom(const Node& node) {
  const auto& args = node.args;
  FromInstr from;
  if (args.size() == 3 && AsciiLower(args[1]) == "as") {
    from.stage_name = AsciiLower(args[2]);
    static const std::regex kValidStageName("^[a-z][a-z0-9-_.]*$");
    if (!std::regex_match(from.stage_name, kValidStageName)) {
      throw Error("invalid name for build stage: \"" + args[2] +
                  "\", name can't start with a number or contain symbols");
    }
  } else if (args.size() != 1) {
    throw Error("FROM requires either one or three arguments");
  }
  from.image = args[0];
  from.platform = Flags(node, {{"platform", FlagType::kString}}).String("platform");
  return from;
}

RunInstr ParseRun(const Node& node) {
  FlagParser flags = Flags(node, {{"network", FlagType::kString},
                                  {"mount", FlagType::kStrings},
                                  {"security", FlagType::kString}});
  RunInstr run;
  run.network = flags.String("network");
  if (flags.Used("network") && run.network != "default" && run.network != "none" && run.network != "host")
    throw Error("unsupported network mode \"" + run.network + "\"");
  run.security = flags.String("security");
  if (flags.Used("security") && run.security != "sandbox" && run.security != "insecure")
    throw Error("unsupported security mode \"" + run.security + "\"");
  run.mounts = flags.Strings("mount");
  run.cmd = ToCommandLine(node, node.args);
  run.heredocs = node.heredocs;
  return run;
}

// `<<EOF`, `<<-EOF`, `<<"EOF"`: the heredoc a COPY/ADD source word names,
// if the parser collected one by that name.
const Heredoc* HeredocSource(const Node& node, const std::string& word) {
  if (word.size() < 3 || word.compare(0, 2, "<<") != 0) return nullptr;
  std::string name = word.substr(2);
  if (!name.empty() && name[0] == '-') name.erase(0, 1);
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front())
    name = name.substr(1, name.size() - 2);
  for (const Heredoc& heredoc : node.heredocs)
    if (heredoc.name == name) return &heredoc;
  return nullptr;
}

CopyInstr ParseCopy(const Node& node, bool is_add) {
  const std::string command = is_add ? "ADD" : "COPY";
  if (node.args.size() < 2) {
    throw Error(command + " requires at least two arguments, but only one was provided. Destination could not be determined");
  }
  FlagParser flags = is_add ? Flags(node, {{"chown", FlagType::kString},
                                           {"chmod", FlagType::kString},
                                           {"link", FlagType::kBool},
                                           {"keep-git-dir", FlagType::kBool},
                                           {"checksum", FlagType::kString},
                                           {"exclude", FlagType::kStrings}})
                            : Flags(node, {{"chown", FlagType::kString},
                                           {"chmod", FlagType::kString},
                                           {"from", FlagType::kString},
                                           {"link", FlagType::kBool},
                                           {"parents", FlagType::kBool},
                                           {"exclude", FlagType::kStrings}});
  CopyInstr copy;
  copy.is_add = is_add;
  copy.chown = flags.String("chown");
  copy.chmod = flags.String("chmod");
  copy.from = flags.String("from");
  copy.link = flags.Bool("link");
  copy.keep_git_dir = flags.Bool("keep-git-dir");
  copy.checksum = flags.String("checksum");
  copy.parents = flags.Bool("parents");
  copy.excludes = flags.Strings("exclude");
  for (const std::string& pattern : copy.excludes)
    if (pattern.empty()) throw Error("--exclude needs a pattern");
  copy.dest = node.args.back();
  if (HeredocSource(node, copy.dest)) throw Error(command + " cannot accept a heredoc as a destination");
  for (size_t i = 0; i + 1 < node.args.size(); ++i) {
    if (const Heredoc* heredoc = HeredocSource(node, node.args[i])) {
      copy.heredocs.push_back(*heredoc);
    } else {
      copy.sources.push_back(node.args[i]);
    }
  }
  return copy;
}

// The instructions an ONBUILD trigger may not be: checked when ONBUILD is
// written and again when a child image runs the trigger, as Docker does.
void CheckTrigger(const std::string& keyword) {
  const std::string trigger = AsciiUpper(keyword);
  if (trigger == "ONBUILD") throw Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger == "MAINTAINER" || trigger == "FROM") throw Error(trigger + " isn't allowed as an ONBUILD trigger");
}

OnbuildInstr ParseOnbuild(const Node& node) {
  if (!node.inner) throw AtLeastOneArgument("ONBUILD");
  NoFlags(node);
  CheckTrigger(node.inner->keyword);
  // The trigger is kept as text and parsed again when a child image runs it.
  static const std::regex kOnbuildPrefix(R"(^\s*[oO][nN][bB][uU][iI][lL][dD]\s*)");
  OnbuildInstr onbuild;
  onbuild.expression = std::regex_replace(node.original, kOnbuildPrefix, "", std::regex_constants::format_first_only);
  // The grammar may hang a trigger's heredocs on either node; BuildKit
  // appends them to the text so the trigger re-parses whole.
  const std::vector<Heredoc>& heredocs = node.heredocs.empty() ? node.inner->heredocs : node.heredocs;
  for (const Heredoc& heredoc : heredocs) onbuild.expression += "\n" + heredoc.content + heredoc.name;
  return onbuild;
}

// Go's strconv.ParseInt(s, 10, 32) with its error wording.
int ParseRetries(const std::string& text) {
  auto syntax = [&] { return Error("strconv.ParseInt: parsing \"" + text + "\": invalid syntax"); };
  size_t i = (!text.empty() && (text[0] == '+' || text[0] == '-')) ? 1 : 0;
  if (i == text.size()) throw syntax();
  for (size_t j = i; j < text.size(); ++j)
    if (!std::isdigit(static_cast<unsigned char>(text[j]))) throw syntax();
  errno = 0;
  long long value = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE || value > INT_MAX || value < INT_MIN)
    throw Error("strconv.ParseInt: parsing \"" + text + "\": value out of range");
  return static_cast<int>(value);
}

// Zero means "inherit"; anything else must be at least Docker's 1ms minimum.
int64_t ParseInterval(const FlagParser& flags, const std::string& name) {
  std::string text = flags.String(name);
  if (text.empty()) return 0;
  int64_t ns = ParseDuration(text);
  if (ns == 0) return 0;
  if (ns < 1000000) throw Error("Interval \"" + name + "\" cannot be less than 1ms");
  return ns;
}

HealthcheckInstr ParseHealthcheck(const Node& node) {
  if (node.args.empty()) throw AtLeastOneArgument("HEALTHCHECK");
  FlagParser flags = Flags(node, {{"interval", FlagType::kString},
                                  {"timeout", FlagType::kString},
                                  {"start-period", FlagType::kString},
                                  {"start-interval", FlagType::kString},
                                  {"retries", FlagType::kString}});
  HealthcheckInstr health;
  const std::string type = AsciiUpper(node.args[0]);
  std::vector<std::string> rest(node.args.begin() + 1, node.args.end());
  if (type == "NONE") {
    if (!rest.empty()) throw Error("HEALTHCHECK NONE takes no arguments");
    health.none = true;
    health.test = {"NONE"};
    return health;
  }
  if (type != "CMD") throw Error("Unknown type \"" + type + "\" in HEALTHCHECK (try CMD)");
  CommandLine cmd = ToCommandLine(node, rest);
  if (cmd.args.empty()) throw Error("Missing command after HEALTHCHECK CMD");
  health.test.push_back(node.json_form ? "CMD" : "CMD-SHELL");
  health.test.insert(health.test.end(), cmd.args.begin(), cmd.args.end());
  health.interval_ns = ParseInterval(flags, "interval");
  health.timeout_ns = ParseInterval(flags, "timeout");
  health.start_period_ns = ParseInterval(flags, "start-period");
  health.start_interval_ns = ParseInterval(flags, "start-interval");
  if (flags.Used("retries")) {
    health.retries = ParseRetries(flags.String("retries"));
    if (health.retries < 0) throw Error("--retries cannot be negative (" + std::to_string(health.retries) + ")");
  }
  return health;
}

ArgInstr ParseArg(const Node& node) {
  if (node.args.empty()) throw AtLeastOneArgument("ARG");
  NoFlags(node);
  ArgInstr arg;
  for (const std::string& word : node.args) {
    ArgInstr::Arg a;
    if (size_t eq = word.find('='); eq != std::string::npos) {
      if (eq == 0) throw BlankNames("ARG");
      a.name = word.substr(0, eq);
      a.default_value = word.substr(eq + 1);
    } else {
      a.name = word;
    }
    arg.args.push_back(std::move(a));
  }
  return arg;
}

std::string SingleArgument(const Node& node, const std::string& command) {
  if (node.args.size() != 1) throw ExactlyOneArgument(command);
  NoFlags(node);
  return node.args[0];
}

Instruction ParseCommand(const Node& node) {
  const std::string& k = node.keyword;
  if (k == "run") return ParseRun(node);
  if (k == "copy") return ParseCopy(node, false);
  if (k == "add") return ParseCopy(node, true);
  if (k == "env") {
    NoFlags(node);
    return EnvInstr{KeyValues(node, "ENV")};
  }
  if (k == "label") {
    NoFlags(node);
    return LabelInstr{KeyValues(node, "LABEL")};
  }
  if (k == "cmd") {
    NoFlags(node);
    return CmdInstr{ToCommandLine(node, node.args)};
  }
  if (k == "entrypoint") {
    NoFlags(node);
    return EntrypointInstr{ToCommandLine(node, node.args)};
  }
  if (k == "expose") {
    if (node.args.empty()) throw AtLeastOneArgument("EXPOSE");
    NoFlags(node);
    ExposeInstr expose{node.args};
    std::sort(expose.ports.begin(), expose.ports.end());
    return expose;
  }
  if (k == "volume") {
    if (node.args.empty()) throw AtLeastOneArgument("VOLUME");
    NoFlags(node);
    VolumeInstr volume;
    for (const std::string& path : node.args) {
      size_t b = path.find_first_not_of(" \t\r\n\v\f");
      if (b == std::string::npos) throw Error("VOLUME specified can not be an empty string");
      size_t e = path.find_last_not_of(" \t\r\n\v\f");
      volume.paths.push_back(path.substr(b, e - b + 1));
    }
    return volume;
  }
  if (k == "user") return UserInstr{SingleArgument(node, "USER")};
  if (k == "workdir") return WorkdirInstr{SingleArgument(node, "WORKDIR")};
  if (k == "stopsignal") return StopsignalInstr{SingleArgument(node, "STOPSIGNAL")};
  if (k == "maintainer") return MaintainerInstr{SingleArgument(node, "MAINTAINER")};
  if (k == "arg") return ParseArg(node);
  if (k == "onbuild") return ParseOnbuild(node);
  if (k == "healthcheck") return ParseHealthcheck(node);
  if (k == "shell") {
    NoFlags(node);
    if (node.args.empty()) throw AtLeastOneArgument("SHELL");
    if (!node.json_form) throw Error("SHELL requires the arguments to be in JSON form");
    return ShellInstr{node.args};
  }
  throw Error("unknown instruction: " + AsciiUpper(k));
}

LocatedInstruction Locate(Instruction instr, const Node& node) {
  return LocatedInstruction{std::move(instr), node.start_line, AsciiUpper(node.keyword), node.original};
}

// Errors thrown above carry no location; this adds the node's line.
template <typename F>
auto AtNode(const std::string& filename, const Node& node, F&& convert) -> decltype(convert()) {
  try {
    return convert();
  } catch (const Error& e) {
    if (!e.where().empty()) throw;
    throw Error::At(filename, node.start_line, e.what());
  }
}

}  // namespace

Dockerfile ToInstructions(const Ast& ast) {
  Dockerfile df;
  df.filename = ast.filename;
  df.escape = ast.escape;
  df.syntax = CheckSyntaxDirective(ast);
  for (const Node& node : ast.nodes) {
    if (node.keyword == "from") {
      Stage stage;
      stage.from = AtNode(ast.filename, node, [&] { return ParseFrom(node); });
      stage.line = node.start_line;
      stage.original = node.original;
      df.stages.push_back(std::move(stage));
      continue;
    }
    Instruction instr = AtNode(ast.filename, node, [&] { return ParseCommand(node); });
    if (df.stages.empty()) {
      if (auto* arg = std::get_if<ArgInstr>(&instr)) {
        df.meta_args.push_back(std::move(*arg));
        df.meta_arg_lines.push_back(node.start_line);
        continue;
      }
      throw Error::At(ast.filename, node.start_line, "no build stage in current context");
    }
    df.stages.back().instructions.push_back(Locate(std::move(instr), node));
  }
  return df;
}

LocatedInstruction ParseSingleInstruction(const std::string& text, const std::string& filename, int line) {
  const std::string where = filename + ":" + std::to_string(line);
  Ast ast;
  try {
    ast = Parse(text, filename);
  } catch (const Error& e) {
    throw Error(e.what(), where);
  }
  if (ast.nodes.size() != 1) throw Error("expected exactly one instruction, got " + std::to_string(ast.nodes.size()), where);
  const Node& node = ast.nodes.front();
  try {
    CheckTrigger(node.keyword);
    LocatedInstruction located = Locate(ParseCommand(node), node);
    located.line = line;
    return located;
  } catch (const Error& e) {
    if (!e.where().empty()) throw;
    throw Error(e.what(), where);
  }
}

}  // namespace ubuild::parser
