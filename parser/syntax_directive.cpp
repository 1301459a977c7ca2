#include "parser/syntax_directive.h"

#include <regex>

#include "store/base/error.h"

namespace ubuild::parser {

std::string CheckSyntaxDirective(const Ast& ast) {
  auto it = ast.directives.find("syntax");
  if (it == ast.directives.end()) return "";
  // BuildKit takes the value up to the first blank (the rest are options).
  std::string value = it->second;
  value = value.substr(0, value.find_first_of(" \t"));
  static const std::regex kDockerfileFrontend(
      R"(^((docker\.io|index\.docker\.io|registry-1\.docker\.io)/)?docker/dockerfile(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$)");
  if (!std::regex_match(value, kDockerfileFrontend)) {
    auto line = ast.directive_lines.find("syntax");
    throw Error::At(ast.filename, line == ast.directive_lines.end() ? 1 : line->second,
                    "unsupported syntax directive \"" + it->second +
                        "\": ubuild builds the docker/dockerfile syntax itself and cannot run another "
                        "frontend (use # syntax=docker/dockerfile:1 or remove the line)");
  }
  return value;
}

}  // namespace ubuild::parser
