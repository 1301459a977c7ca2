// `ubuild login [-u USER] [-p PASS | --password-stdin] [SERVER]` and
// `ubuild logout [SERVER]`, with docker's flags, prompts and messages.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "store/base/error.h"
#include "store/registry/docker_config.h"
#include "store/registry/registry_login.h"

namespace ubuild::cli {

namespace {

std::string Prompt(const std::string& what, bool hide) {
  if (!::isatty(STDIN_FILENO)) {
    throw Error("cannot prompt for the " + what + ": standard input is not a terminal (use -u and --password-stdin)");
  }
  std::cerr << (what == "username" ? "Username: " : "Password: ") << std::flush;
  termios old{};
  bool restore = hide && ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  return line;
}

}  // namespace

int CmdLogin(const GlobalOptions&, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("login"), args);
  if (p.positional.size() > 1) throw UsageError("login takes at most one SERVER");
  if (p.Has("password") && p.Has("password-stdin")) throw UsageError("--password and --password-stdin are mutually exclusive");
  const std::string domain = store::registry::RegistryDomainOf(p.positional.empty() ? "" : p.positional[0]);
  store::registry::Credentials c;
  c.username = p.Has("username") ? p.values.at("username") : Prompt("username", false);
  if (p.Has("password-stdin")) {
    if (!p.Has("username")) throw UsageError("--password-stdin needs --username");
    std::stringstream ss;
    ss << std::cin.rdbuf();
    c.password = ss.str();
    while (!c.password.empty() && (c.password.back() == '\n' || c.password.back() == '\r')) c.password.pop_back();
  } else if (p.Has("password")) {
    std::cerr << "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n";
    c.password = p.values.at("password");
  } else {
    c.password = Prompt("password", true);
  }
  if (c.username.empty()) throw Error("login: the username is empty");
  if (c.password.empty()) throw Error("login: the password is empty");
  store::registry::Login(domain, c);
  std::cout << "Login Succeeded\n";
  return 0;
}

int CmdLogout(const GlobalOptions&, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("logout"), args);
  if (p.positional.size() > 1) throw UsageError("logout takes at most one SERVER");
  const std::string server = p.positional.empty() ? "" : p.positional[0];
  const std::string domain = store::registry::RegistryDomainOf(server);
  const std::string shown = store::registry::CredentialKey(domain);
  if (store::registry::Logout(domain)) {
    std::cout << "Removing login credentials for " << shown << "\n";
  } else {
    std::cout << "Not logged in to " << shown << "\n";
  }
  return 0;
}

}  // namespace ubuild::cli
