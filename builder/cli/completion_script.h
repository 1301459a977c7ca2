#pragma once
// Shell completion for ubuild, written from the command table (commands.h)
// like --help, so it offers exactly the commands and flags the parser takes.
#include <string>

namespace ubuild::cli {

std::string BashCompletion();  // a script for `source` or /etc/bash_completion.d
std::string ZshCompletion();   // the same through zsh's bashcompinit

}  // namespace ubuild::cli
