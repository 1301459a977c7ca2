// libFuzzer target for the Dockerfile parser: any bytes must either parse (and
// dump) or fail with ubuild::Error -- never crash, hang, leak or trip a
// sanitizer. Built and run by tests/e2e/test_parser_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/ast.h"
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
  } catch (const ubuild::Error& e) {
    if (e.where().rfind("Dockerfile:", 0) != 0) __builtin_trap();  // always located
  }
  return 0;
}
