#pragma once
// Which command the words after the global options ask for. The first word
// (two for a group's command, "system df") names a command; otherwise the
// words are a bare build, `ubuild [OPTIONS] CONTEXT`, when they begin with a
// flag or the first word is a path (it exists, or has a '/', "." included).
// A command name wins over a directory of the same name, as in docker, where
// the first word is always a command: `ubuild ./images` builds that one.
// Any other first word is a mistyped command, refused with the nearest names.
#include <string>

#include "builder/cli/commands.h"

namespace ubuild::cli {

struct CommandChoice {
  const Command* command;  // nullptr: the help of `group` was asked for
  size_t words;            // how many words named it (0 for a bare build)
  std::string group;       // "system" for `ubuild system --help`
};

// Throws UsageError for an unknown command.
CommandChoice ChooseCommand(const Args& words);

}  // namespace ubuild::cli
