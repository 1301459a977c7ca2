// ubuild man: the manual page, ubuild(1), from the command table; .ci/build installs it.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/man_page.h"

namespace ubuild::cli {

int CmdMan(const GlobalOptions& /*g*/, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("man"), args);
  if (!p.positional.empty()) throw UsageError("man takes no arguments");
  std::cout << ManPage();
  return 0;
}

}  // namespace ubuild::cli
