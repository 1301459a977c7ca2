// BuildKit's parse-tree dump (parser.Node.Dump), one S-expression per
// instruction: (copy ["--chown=1:1"] "a" "b" "/d/"), (onbuild (run "echo hi")).
// Heredoc bodies are not part of it, as in BuildKit.
#include "parser/ast.h"
#include "parser/go_quote.h"

namespace ubuild::parser {
namespace {

std::string Body(const Node& node) {
  std::string out = node.keyword;
  if (!node.flags.empty()) {
    // Go's fmt %q of a []string: ["a" "b"].
    out += " [";
    for (size_t i = 0; i < node.flags.size(); ++i) {
      if (i > 0) out += ' ';
      out += GoQuote(node.flags[i]);
    }
    out += ']';
  }
  if (node.inner) {
    out += " (";
    out += Body(*node.inner);
    out += ')';
  }
  for (const std::string& arg : node.args) {
    out += ' ';
    out += GoQuote(arg);
  }
  return out;
}

}  // namespace

std::string Dump(const Node& node) {
  std::string out = "(";
  out += Body(node);
  out += ')';
  return out;
}

std::string Dump(const Ast& ast) {
  std::string out;
  for (const Node& node : ast.nodes) {
    out += Dump(node);
    out += '\n';
  }
  return out;
}

}  // namespace ubuild::parser
