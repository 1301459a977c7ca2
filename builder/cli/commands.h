#pragma once
// One function per ubuild command, each in cmd_<name>.cpp. They throw
// ubuild::Error for anything the user did wrong; main() prints it once.
#include <filesystem>
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

int CmdBuild(const GlobalOptions& g, const Args& args);
int CmdParse(const GlobalOptions& g, const Args& args);
int CmdImport(const GlobalOptions& g, const Args& args);
int CmdImages(const GlobalOptions& g, const Args& args);
int CmdInspect(const GlobalOptions& g, const Args& args);
int CmdHistory(const GlobalOptions& g, const Args& args);
int CmdTag(const GlobalOptions& g, const Args& args);
int CmdRmi(const GlobalOptions& g, const Args& args);
int CmdPrune(const GlobalOptions& g, const Args& args);
int CmdLayers(const GlobalOptions& g, const Args& args);
int CmdSave(const GlobalOptions& g, const Args& args);
int CmdLoad(const GlobalOptions& g, const Args& args);
int CmdPull(const GlobalOptions& g, const Args& args);
int CmdPush(const GlobalOptions& g, const Args& args);
int CmdLogin(const GlobalOptions& g, const Args& args);
int CmdLogout(const GlobalOptions& g, const Args& args);

}  // namespace ubuild::cli
