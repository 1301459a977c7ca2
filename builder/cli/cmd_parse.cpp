// `ubuild parse [FILE|-]`: print a Dockerfile's raw parse tree in BuildKit's
// dump format, so it can be compared with the reference parser.
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "parser/ast.h"
#include "store/base/error.h"

namespace ubuild::cli {
namespace {

std::string ReadAll(std::istream& in, const std::string& name) {
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw SysError("read", name, errno);
  return text.str();
}

}  // namespace

int CmdParse(const GlobalOptions& /*g*/, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("parse"), args);
  if (p.positional.size() > 1) throw UsageError("parse takes at most one FILE");
  const std::string path = p.positional.empty() ? "Dockerfile" : p.positional[0];

  std::string text;
  std::string name = path;
  if (path == "-") {
    name = "<stdin>";
    text = ReadAll(std::cin, name);
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw SysError("read", path, EISDIR);
    std::ifstream file(path, std::ios::binary);
    if (!file) throw SysError("open", path, errno);
    text = ReadAll(file, path);
  }
  std::cout << parser::Dump(parser::Parse(text, name));
  return 0;
}

}  // namespace ubuild::cli
