// libFuzzer target for the Dockerfile parser: any bytes must either parse (and
// dump, turn into instructions and expand each of them as a build would) or
// fail with ubuild::Error located in the Dockerfile -- never crash, hang, leak
// or trip a sanitizer. Built and run by tests/e2e/test_parser_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/ast.h"
#include "parser/expand_instruction.h"
#include "parser/instructions.h"
#include "parser/meta_args.h"
#include "store/base/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ubuild::parser::Ast ast = ubuild::parser::Parse(text, "Dockerfile");
    const std::string dump = ubuild::parser::Dump(ast);
    // Every node printed, each on its own line.
    size_t lines = 0;
    for (char c : dump) lines += c == '\n';
    if (lines != ast.nodes.size()) __builtin_trap();
    for (const auto& node : ast.nodes) {
      if (node.start_line < 1 || node.end_line < node.start_line) __builtin_trap();
    }
    // What a build does next, with a few variables set (one of them long,
    // so that patterns and growth limits are reached).
    const ubuild::parser::Dockerfile df = ubuild::parser::ToInstructions(ast);
    const std::vector<std::string> meta_env = ubuild::parser::ResolveMetaArgs(df, {{"B", "b c"}});
    std::vector<std::string> env = meta_env;
    env.push_back("A=a*b?c/d");
    env.push_back("L=" + std::string(4096, 'x'));
    const ubuild::parser::VarLookup vars = ubuild::parser::LookupFromEnv(env);
    ubuild::parser::ExpansionBudget budget;
    for (const ubuild::parser::Stage& stage : df.stages) {
      ubuild::parser::ExpandFrom(stage, meta_env, df.escape, "Dockerfile");
      for (const ubuild::parser::LocatedInstruction& li : stage.instructions) {
        ubuild::parser::Expand(li, vars, df.escape, "Dockerfile", &budget);
      }
    }
  } catch (const ubuild::Error& e) {
    if (e.where().rfind("Dockerfile:", 0) != 0) __builtin_trap();  // always located
  }
  return 0;
}
