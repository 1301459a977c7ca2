#pragma once
// Where a helper program (newuidmap, slirp4netns, fuse-overlayfs, ...) is:
// the first executable of that name in $PATH, searched as execvp would,
// with the default PATH when it is unset. Resolved before forking, so the
// child execs a fixed path and a missing helper is an error with its name.
#include <string>

namespace ubuild {

// The full path, or "" when no directory in $PATH holds it.
std::string FindExecutable(const std::string& name);

}  // namespace ubuild
