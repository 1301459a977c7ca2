#pragma once
// RUN with heredocs, as BuildKit's dockerfile2llb runs them: a command that
// is nothing but one heredoc marker runs the body as its script; any other
// command gets its heredoc bodies appended after it, each followed by its
// delimiter, and the shell reads them (`RUN <<EOF bash`, `RUN cat <<EOF > f`,
// several heredocs, `<<-`, quoted delimiters are then the shell's business).
#include <optional>
#include <string>
#include <string_view>

#include "parser/instructions.h"

namespace ubuild::parser {

// True when `command_line` is a lone heredoc marker (`<<EOF`, `<<-"EOF"`).
bool IsLoneHeredoc(std::string_view command_line);

// A lone heredoc whose body starts with `#!` is not given to the shell:
// BuildKit writes the body to an executable file at /dev/pipes/NAME and runs
// that file, so the #! line picks the interpreter.
struct HeredocScript {
  std::string path;     // inside the container: /dev/pipes/NAME
  std::string content;  // the body, tabs stripped for <<-
};
std::optional<HeredocScript> RunHeredocScript(const RunInstr& run);

// The command string SHELL runs for a shell-form RUN that has heredocs and
// is not a RunHeredocScript.
std::string RunHeredocCommand(const RunInstr& run);

}  // namespace ubuild::parser
