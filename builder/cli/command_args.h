#pragma once
// Flag parsing for the store commands: boolean flags with short and long
// spellings (short ones may be combined, "-qa"), "--" ends flags, anything
// else starting with '-' (except "-" alone, stdin) is a usage error.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/cli/commands.h"

namespace ubuild::cli {

struct ParsedArgs {
  std::set<std::string> flags;             // canonical (long) names that were given
  std::map<std::string, std::string> values;  // long name -> value, for value flags
  std::vector<std::string> positional;
  bool Has(const std::string& name) const { return flags.count(name) != 0; }
};

struct FlagSpec {
  std::string long_name;   // "quiet"
  char short_name = 0;     // 'q' or 0
  bool takes_value = false;
};

ParsedArgs ParseCommandArgs(const std::string& command, const Args& args, const std::vector<FlagSpec>& specs);

}  // namespace ubuild::cli
