#pragma once
// --help text, made from the command table (commands.h) and nothing else, so
// it lists exactly the flags the parser takes.
#include <string>

#include "builder/cli/commands.h"

namespace ubuild::cli {

std::string MainHelp();                         // `ubuild --help`: the commands
std::string CommandHelp(const Command& command);  // `ubuild COMMAND --help`: its usage and every flag
std::string GroupHelp(const std::string& group);  // `ubuild system --help`: the group's commands

}  // namespace ubuild::cli
