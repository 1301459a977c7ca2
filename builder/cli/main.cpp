// ubuild's entry point: global options, command dispatch, and the one place
// errors are caught and printed.
#include <cstring>
#include <iostream>
#include <map>

#include "builder/cli/commands.h"
#include "builder/rootfs/private_mount_namespace.h"
#include "store/base/error.h"
#include "store/default_root.h"

namespace {

constexpr const char* kUsage =
    "usage: ubuild [--root DIR] [COMMAND] [OPTIONS] ARGS\n"
    "\n"
    "Commands:\n"
    "  build [OPTIONS] CONTEXT   build an image from a Dockerfile (the default command)\n"
    "  parse [FILE|-]            print a Dockerfile's parse tree\n"
    "  import FILE|- NAME[:TAG]  make a one-layer image from a rootfs tarball\n"
    "  images [-q] [--no-trunc]  list images\n"
    "  inspect REF...            show images as JSON\n"
    "  history [--no-trunc] [-q] REF\n"
    "  tag SRC DST               add a tag\n"
    "  rmi [-f] REF...           remove images\n"
    "  prune                     remove dangling images and unused layers\n"
    "  layers [--files] REF      show how each layer's ids are formed\n"
    "  save [-o FILE] REF...     write images as a docker-load tarball\n"
    "  load [-i FILE]            read images from a docker-save/OCI tarball\n"
    "  pull [--platform P] [-q] REF  download an image from a registry\n"
    "  push [-q] NAME[:TAG]      upload an image to a registry\n"
    "  login [-u USER] [-p PASS | --password-stdin] [SERVER]\n"
    "  logout [SERVER]           forget a registry's credentials\n"
    "\n"
    "The store is --root DIR, else $UBUILD_ROOT, else /var/lib/ubuild.\n";

using Command = int (*)(const ubuild::cli::GlobalOptions&, const ubuild::cli::Args&);

const std::map<std::string, Command>& Commands() {
  using namespace ubuild::cli;
  static const std::map<std::string, Command> commands = {
      {"build", CmdBuild},     {"parse", CmdParse},   {"import", CmdImport}, {"images", CmdImages},
      {"inspect", CmdInspect}, {"history", CmdHistory}, {"tag", CmdTag},     {"rmi", CmdRmi},
      {"prune", CmdPrune},     {"layers", CmdLayers}, {"save", CmdSave},     {"load", CmdLoad},
      {"pull", CmdPull},       {"push", CmdPush},     {"login", CmdLogin},   {"logout", CmdLogout},
  };
  return commands;
}

}  // namespace

int main(int argc, char** argv) {
  ubuild::cli::Args args(argv + 1, argv + argc);
  ubuild::cli::GlobalOptions global;
  std::string root_option;
  size_t i = 0;
  try {
    // Global options come before the command.
    for (; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--root") {
        if (i + 1 >= args.size()) throw ubuild::cli::UsageError("--root needs a directory");
        root_option = args[++i];
      } else if (a.rfind("--root=", 0) == 0) {
        root_option = a.substr(7);
      } else if (a == "-h" || a == "--help") {
        std::cout << kUsage;
        return 0;
      } else if (a == "--version") {
        std::cout << "ubuild 0.1\n";
        return 0;
      } else {
        break;
      }
    }
    global.root = root_option.empty() ? ubuild::store::DefaultRoot() : std::filesystem::path(root_option);

    Command command = ubuild::cli::CmdBuild;  // `ubuild -t x .` means build
    if (i < args.size()) {
      auto it = Commands().find(args[i]);
      if (it != Commands().end()) {
        command = it->second;
        ++i;
      }
    }
    if (args.empty()) {
      std::cerr << kUsage;
      return 2;
    }
    // Only build mounts; its mounts then die with it. Here, before any thread.
    if (command == ubuild::cli::CmdBuild) ubuild::builder::EnterPrivateMountNamespace();
    return command(global, ubuild::cli::Args(args.begin() + static_cast<long>(i), args.end()));
  } catch (const ubuild::cli::UsageError& e) {
    std::cerr << "ubuild: " << e.what() << "\nSee 'ubuild --help'.\n";
    return 2;
  } catch (const ubuild::Error& e) {
    std::cerr << "ubuild: " << e.message() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "ubuild: internal error: " << e.what() << "\n";
    return 1;
  }
}
