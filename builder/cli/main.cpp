// ubuild's entry point: global options, command dispatch through the command
// table, and the one place errors are caught and printed.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/command_lookup.h"
#include "builder/cli/commands.h"
#include "builder/cli/help_text.h"
#include "builder/rootfs/private_mount_namespace.h"
#include "builder/rootfs/user_namespace.h"
#include "store/base/error.h"
#include "store/default_root.h"

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
        std::cout << ubuild::cli::MainHelp();
        return 0;
      } else if (a == "--version") {
        std::cout << "ubuild " << UBUILD_VERSION << "\n";
        return 0;
      } else {
        break;
      }
    }
    if (args.empty()) {
      std::cerr << ubuild::cli::MainHelp();
      return 2;
    }
    global.root = root_option.empty() ? ubuild::store::DefaultRoot() : std::filesystem::path(root_option);
    // Rootless: from here on this process is root of its own user
    // namespace, its store the user's (chosen above, while still the user).
    ubuild::builder::EnterUserNamespace();

    const ubuild::cli::Args words(args.begin() + static_cast<long>(i), args.end());
    const ubuild::cli::CommandChoice choice = ubuild::cli::ChooseCommand(words);
    if (choice.command == nullptr) {
      std::cout << ubuild::cli::GroupHelp(choice.group);
      return 0;
    }
    const ubuild::cli::Args rest(words.begin() + static_cast<long>(choice.words), words.end());
    if (ubuild::cli::AsksForHelp(*choice.command, rest)) {
      std::cout << ubuild::cli::CommandHelp(*choice.command);
      return 0;
    }
    // Only build mounts; its mounts then die with it. Here, before any thread.
    if (choice.command->run == ubuild::cli::CmdBuild) ubuild::builder::EnterPrivateMountNamespace();
    return choice.command->run(global, rest);
  } catch (const ubuild::cli::UsageError& e) {
    std::cerr << "ubuild: " << e.what() << "\nSee 'ubuild --help'.\n";
    return 2;
  } catch (const ubuild::Error& e) {
    std::cerr << "ubuild: " << e.message() << "\n";
    // Only an owner the single-id mapping cannot hold fails a chown there.
    if (e.message().find("chown") != std::string::npos) {
      if (const std::string hint = ubuild::builder::SingleIdHint(); !hint.empty()) std::cerr << "ubuild: " << hint << "\n";
    }
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "ubuild: internal error: " << e.what() << "\n";
    return 1;
  }
}
