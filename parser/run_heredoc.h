#pragma once
// RUN with heredocs, as BuildKit's dockerfile2llb runs them: a command that
// is nothing but one heredoc marker runs the body as its script; any other
// command gets its heredoc bodies appended after it, each followed by its
// delimiter, and the shell reads them (`RUN <<EOF bash`, `RUN cat <<EOF > f`,
// several heredocs, `<<-`, quoted delimiters are then the shell's business).
#include <string>
#include <string_view>

#include "parser/instructions.h"

namespace ubuild::parser {

// True when `command_line` is a lone heredoc marker (`<<EOF`, `<<-"EOF"`).
bool IsLoneHeredoc(std::string_view command_line);

// The command string SHELL runs for a shell-form RUN that has heredocs.
// Throws ubuild::Error for a lone heredoc starting with `#!`, which BuildKit
// runs as an executable file mounted at /dev/pipes/ (not supported yet).
std::string RunHeredocCommand(const RunInstr& run);

}  // namespace ubuild::parser
