#include "builder/cli/help_text.h"

#include <algorithm>

#include "builder/cli/command_args.h"

namespace ubuild::cli {

namespace {

std::string Padded(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// "  -t, --tag NAME[:TAG]" or "      --no-cache", the column left of the help.
std::string FlagColumn(const FlagSpec& f) {
  std::string s = f.short_name != 0 ? std::string("  -") + f.short_name + ", " : std::string(6, ' ');
  s += "--" + f.long_name;
  if (f.takes_value) s += " " + f.value_name;
  return s;
}

}  // namespace

std::string MainHelp() {
  std::string out =
      "Usage:  ubuild [--root DIR] COMMAND [OPTIONS] ARGS\n"
      "        ubuild [--root DIR] [OPTIONS] CONTEXT   (a build)\n"
      "\n"
      "A container image builder: Dockerfile -> image in a Docker-style store.\n"
      "\n"
      "Commands:\n";
  size_t width = 0;
  for (const Command& c : CommandTable()) width = std::max(width, c.name.size());
  for (const Command& c : CommandTable()) out += "  " + Padded(c.name, width + 2) + c.summary + "\n";
  out +=
      "\n"
      "Global options:\n"
      "      --root DIR   The store (default $UBUILD_ROOT, else /var/lib/ubuild)\n"
      "      --version    Print ubuild's version\n"
      "  -h, --help       Print this help\n"
      "\n"
      "Run 'ubuild COMMAND --help' for a command's options.\n";
  return out;
}

std::string GroupHelp(const std::string& group) {
  std::string out = "Usage:  ubuild " + group + " COMMAND\n\nCommands:\n";
  std::vector<const Command*> members;
  size_t width = 0;
  for (const Command& c : CommandTable()) {
    if (c.name.rfind(group + " ", 0) != 0) continue;
    members.push_back(&c);
    width = std::max(width, c.name.size() - group.size() - 1);
  }
  for (const Command* c : members) out += "  " + Padded(c->name.substr(group.size() + 1), width + 2) + c->summary + "\n";
  return out + "\nRun 'ubuild " + group + " COMMAND --help' for a command's options.\n";
}

std::string CommandHelp(const Command& c) {
  std::vector<FlagSpec> flags = c.flags;
  flags.push_back(HelpFlag());
  std::string out = "Usage:  ubuild " + c.name + " [OPTIONS]";
  if (!c.operands.empty()) out += " " + c.operands;
  out += "\n\n" + c.summary + "\n\nOptions:\n";
  size_t width = 0;
  for (const FlagSpec& f : flags) width = std::max(width, FlagColumn(f).size());
  for (const FlagSpec& f : flags) out += Padded(FlagColumn(f), width + 3) + f.help + "\n";
  return out;
}

}  // namespace ubuild::cli
