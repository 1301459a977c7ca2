#pragma once
// ubuild's commands: one function per command, each in cmd_<name>.cpp, and
// the one table (command_table.cpp) that names them with their operands and
// flags. main() dispatches through the table, each command parses its flags
// from its own entry, and --help is printed from the same entry, so a flag
// the parser takes is always a flag the help lists. A new command is a new
// cmd_<name>.cpp and one entry in the table.
//
// The commands throw ubuild::Error for anything the user did wrong; main()
// prints it once.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace ubuild::cli {

struct GlobalOptions {
  std::filesystem::path root;  // store root, already defaulted
};

// Thrown for command-line misuse; main prints it plus a hint to --help, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Args = std::vector<std::string>;

struct FlagSpec {
  std::string long_name;   // "quiet"
  char short_name = 0;     // 'q' or 0
  bool takes_value = false;
  std::string value_name;  // "NAME[:TAG]", for a value flag's help line
  std::string help;        // one line for --help
};

struct Command {
  std::string name;      // "images", or "system df" for a command of a group
  std::string operands;  // "[REPOSITORY[:TAG]]", after "[OPTIONS]" in the usage line
  std::string summary;   // one line, for `ubuild --help` and the command's help
  std::vector<FlagSpec> flags;  // -h/--help is every command's, not listed here
  int (*run)(const GlobalOptions&, const Args&);
};

// Every command, in the order `ubuild --help` lists them.
const std::vector<Command>& CommandTable();
// The entry named `name`; a name missing from the table is a bug in ubuild.
const Command& CommandNamed(const std::string& name);

int CmdBuild(const GlobalOptions& g, const Args& args);
const std::vector<FlagSpec>& BuildFlags();  // beside the code that reads them, in cmd_build.cpp
int CmdParse(const GlobalOptions& g, const Args& args);
int CmdImport(const GlobalOptions& g, const Args& args);
int CmdImages(const GlobalOptions& g, const Args& args);
int CmdInspect(const GlobalOptions& g, const Args& args);
int CmdHistory(const GlobalOptions& g, const Args& args);
int CmdTag(const GlobalOptions& g, const Args& args);
int CmdRmi(const GlobalOptions& g, const Args& args);
int CmdPrune(const GlobalOptions& g, const Args& args);
int CmdImagePrune(const GlobalOptions& g, const Args& args);
int CmdBuilderPrune(const GlobalOptions& g, const Args& args);
int CmdLayers(const GlobalOptions& g, const Args& args);
int CmdSave(const GlobalOptions& g, const Args& args);
int CmdLoad(const GlobalOptions& g, const Args& args);
int CmdVersion(const GlobalOptions& g, const Args& args);
int CmdInfo(const GlobalOptions& g, const Args& args);
int CmdSystemDf(const GlobalOptions& g, const Args& args);
int CmdCompletion(const GlobalOptions& g, const Args& args);
int CmdMan(const GlobalOptions& g, const Args& args);
int CmdPull(const GlobalOptions& g, const Args& args);
int CmdPush(const GlobalOptions& g, const Args& args);
int CmdLogin(const GlobalOptions& g, const Args& args);
int CmdLogout(const GlobalOptions& g, const Args& args);

}  // namespace ubuild::cli
