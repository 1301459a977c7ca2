#pragma once
// The `# syntax=` parser directive names the frontend image BuildKit runs
// for the file. ubuild is its own frontend for Docker's Dockerfile syntax,
// so any docker/dockerfile image is accepted (a version tag such as `1`,
// `1.7` or `1.7-labs`, a digest, with or without the `docker.io/` or
// `docker.io/library`-style registry prefix) and any other frontend is
// refused, since ubuild cannot run it. `# check=` configures BuildKit's
// lint checks; ubuild has none to configure and accepts it as written.
#include <string>

#include "parser/ast.h"

namespace ubuild::parser {

// The frontend named by the syntax directive ("" when there is none).
// Throws ubuild::Error located at the directive's line for another frontend.
std::string CheckSyntaxDirective(const Ast& ast);

}  // namespace ubuild::parser
