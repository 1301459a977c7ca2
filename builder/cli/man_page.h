#pragma once
// ubuild(1), the manual page, written from the command table (commands.h)
// like --help: every command with its usage and every flag.
#include <string>

namespace ubuild::cli {

std::string ManPage();  // roff, for man(1)

}  // namespace ubuild::cli
