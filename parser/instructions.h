#pragma once
// Typed instructions: the raw AST given meaning. Flags are validated and
// argument counts checked here; words are NOT expanded yet — expansion needs
// the ARG/ENV values in effect, which only the builder knows while it walks
// a stage. Call Expand() (expand_instruction.h) at dispatch time.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "parser/ast.h"

namespace ubuild::parser {

// A command line in either form. Shell form: one string in `args` and
// prepend_shell = true (the builder prefixes the current SHELL).
struct CommandLine {
  std::vector<std::string> args;
  bool prepend_shell = false;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct FromInstr {
  std::string image;       // "busybox:1.36", "scratch", "$BASE"
  std::string stage_name;  // after AS, lower-cased; empty if none
  std::string platform;    // --platform value, empty if none
};
struct RunInstr {
  CommandLine cmd;
  std::vector<Heredoc> heredocs;
  std::string network;     // --network= value, empty if none
  std::vector<std::string> mounts;  // --mount= values (not supported by the classic builder)
  std::string security;    // --security= value ("sandbox"/"insecure"), empty if none
};
struct CopyInstr {         // COPY and ADD
  bool is_add = false;
  std::vector<std::string> sources;
  std::string dest;
  std::string chown, chmod, from;   // flag values, empty if absent
  bool link = false;                // --link
  std::string checksum;             // ADD --checksum=
  bool keep_git_dir = false;        // ADD --keep-git-dir
  bool parents = false;             // COPY --parents
  std::vector<std::string> excludes;  // --exclude=, repeatable
  // COPY <<EOF /dest: a source written `<<EOF` names a heredoc; it is listed
  // here (content already tab-stripped for <<-) and NOT in `sources`, as
  // BuildKit splits SourcePaths from SourceContents.
  std::vector<Heredoc> heredocs;
};
struct EnvInstr { std::vector<KeyValue> vars; };          // values unexpanded, quotes kept
struct LabelInstr { std::vector<KeyValue> labels; };
struct CmdInstr { CommandLine cmd; };
struct EntrypointInstr { CommandLine cmd; };
struct ExposeInstr { std::vector<std::string> ports; };
struct VolumeInstr { std::vector<std::string> paths; };
struct UserInstr { std::string user; };
struct WorkdirInstr { std::string path; };
struct ArgInstr {
  struct Arg { std::string name; std::optional<std::string> default_value; };
  std::vector<Arg> args;
};
struct OnbuildInstr { std::string expression; };  // the wrapped instruction's text, e.g. "RUN echo hi"
struct StopsignalInstr { std::string signal; };
struct HealthcheckInstr {
  bool none = false;                 // HEALTHCHECK NONE
  std::vector<std::string> test;     // ["CMD-SHELL", "cmd"] or ["CMD", "a", "b"]
  int64_t interval_ns = 0, timeout_ns = 0, start_period_ns = 0, start_interval_ns = 0;
  int retries = 0;
};
struct ShellInstr { std::vector<std::string> shell; };
struct MaintainerInstr { std::string name; };

using Instruction =
    std::variant<RunInstr, CopyInstr, EnvInstr, LabelInstr, CmdInstr, EntrypointInstr, ExposeInstr,
                 VolumeInstr, UserInstr, WorkdirInstr, ArgInstr, OnbuildInstr, StopsignalInstr,
                 HealthcheckInstr, ShellInstr, MaintainerInstr>;

struct LocatedInstruction {
  Instruction instr;
  int line = 0;            // start line in the Dockerfile
  std::string keyword;     // upper case: "RUN"
  std::string original;    // the source text, as Node::original
};

struct Stage {
  FromInstr from;
  int line = 0;                          // line of FROM
  std::string original;
  std::vector<LocatedInstruction> instructions;
};

struct Dockerfile {
  std::string filename;
  char escape = '\\';
  std::string syntax;                    // the docker/dockerfile frontend named by `# syntax=`, if any
  std::vector<ArgInstr> meta_args;       // ARGs before the first FROM
  std::vector<int> meta_arg_lines;       // line of each meta_args entry, for errors
  std::vector<Stage> stages;
};

// Throws ubuild::Error "file:line: ..." on an unknown instruction, unknown or
// malformed flag, wrong argument count, instruction before FROM, ...
Dockerfile ToInstructions(const Ast& ast);

// One instruction from a single line of text (ONBUILD triggers run this way).
LocatedInstruction ParseSingleInstruction(const std::string& text, const std::string& filename, int line);

}  // namespace ubuild::parser
