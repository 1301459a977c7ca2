// ubuild completion bash|zsh: the shell completion script, from the command
// table (completion_script.h); .ci/build installs both.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/completion_script.h"

namespace ubuild::cli {

int CmdCompletion(const GlobalOptions& /*g*/, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("completion"), args);
  if (p.positional.size() != 1) throw UsageError("completion needs a shell: bash or zsh");
  if (p.positional[0] == "bash") {
    std::cout << BashCompletion();
  } else if (p.positional[0] == "zsh") {
    std::cout << ZshCompletion();
  } else {
    throw UsageError("completion: no script for \"" + p.positional[0] + "\" (bash or zsh)");
  }
  return 0;
}

}  // namespace ubuild::cli
