#pragma once
// Helpers for the parser tests: parse a literal as file "Dockerfile" and dump.
#include <string>

#include "parser/ast.h"

namespace ubuild::parser::testing {

inline Ast ParseText(const std::string& text) { return Parse(text, "Dockerfile"); }

inline std::string DumpOf(const std::string& text) { return Dump(ParseText(text)); }

}  // namespace ubuild::parser::testing
