#include "builder/cli/command_lookup.h"

#include <algorithm>
#include <filesystem>

#include "store/base/nearest_word.h"

namespace ubuild::cli {

namespace {

const Command* Named(const std::string& name) {
  for (const Command& c : CommandTable()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The commands of group `group` ("system df" for "system"), by their last word.
std::vector<std::string> GroupCommands(const std::string& group) {
  std::vector<std::string> names;
  for (const Command& c : CommandTable()) {
    if (c.name.rfind(group + " ", 0) == 0) names.push_back(c.name.substr(group.size() + 1));
  }
  return names;
}

std::string Suggestion(const std::vector<std::string>& nearest, const std::string& prefix) {
  if (nearest.empty()) return "";
  std::string s = "; did you mean ";
  for (size_t i = 0; i < nearest.size(); ++i) {
    if (i > 0) s += i + 1 == nearest.size() ? " or " : ", ";
    s += "\"" + prefix + nearest[i] + "\"";
  }
  return s + "?";
}

}  // namespace

CommandChoice ChooseCommand(const Args& words) {
  const Command& build = CommandNamed("build");
  if (words.empty()) return {&build, 0, ""};
  const std::string& first = words[0];
  if (words.size() > 1) {
    if (const Command* c = Named(first + " " + words[1])) return {c, 2, ""};
  }
  if (const Command* c = Named(first)) return {c, 1, ""};
  if (first.empty() || first[0] == '-') return {&build, 0, ""};

  if (std::vector<std::string> group = GroupCommands(first); !group.empty()) {
    const std::string sub = words.size() > 1 ? words[1] : "";
    if (sub == "-h" || sub == "--help") return {nullptr, 2, first};
    if (sub.empty()) {
      std::string list;
      for (const std::string& g : group) list += (list.empty() ? "" : ", ") + first + " " + g;
      throw UsageError("\"" + first + "\" needs a command: " + list);
    }
    throw UsageError("unknown command \"" + first + " " + sub + "\"" + Suggestion(NearestWords(sub, group), first + " "));
  }

  std::error_code ec;
  if (first.find('/') != std::string::npos || std::filesystem::exists(first, ec)) return {&build, 0, ""};

  // Top-level names only: a group's commands are suggested by their group.
  std::vector<std::string> names;
  for (const Command& c : CommandTable()) {
    const std::string top = c.name.substr(0, c.name.find(' '));
    if (std::find(names.begin(), names.end(), top) == names.end()) names.push_back(top);
  }
  throw UsageError("unknown command \"" + first + "\"" + Suggestion(NearestWords(first, names), "") +
                   " (nor is it a directory to build)");
}

}  // namespace ubuild::cli
