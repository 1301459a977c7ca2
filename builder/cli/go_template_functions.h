#pragma once
// The functions a docker --format template can call: docker's own (json,
// split, join, title, lower, upper, pad, truncate) and Go's builtins that
// format strings use (and, or, not, len, index, print, printf, println, eq,
// ne, lt, le, gt, ge). In a table's header row docker replaces its own
// functions by ones that return their first operand unchanged, so the
// header of {{upper .Tag}} is "TAG": `header` asks for those.
#include <string>
#include <vector>

#include "builder/cli/go_template_value.h"

namespace ubuild::cli::go_template {

struct Function {
  Value (*call)(const std::vector<Value>& args);
  size_t min_args;
  size_t max_args;  // SIZE_MAX: variadic
  bool docker = false;  // one of docker's, an identity in header rows
};

// nullptr if no such function; throws ubuild::Error for Go's builtins that
// ubuild's templates do not offer (slice, html, js, urlquery, call).
const Function* FindFunction(const std::string& name);

// Errors from a function call say "error calling NAME: …", as Go's do.
Value CallFunction(const std::string& name, const Function& f, const std::vector<Value>& args, bool header);

}  // namespace ubuild::cli::go_template
