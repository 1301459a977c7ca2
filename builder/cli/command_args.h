#pragma once
// Flag parsing for the commands, as Go's pflag reads docker's: flags with
// short and long spellings (short ones may be combined, "-qa"; a value may
// follow "--name=", "-n=", the next word, or a short flag directly, "-tname";
// a boolean takes "--name=false" or "-n=false"), "--" ends flags, anything
// else starting with '-' (except "-" alone, stdin) is a usage error.
//
// FlagReader yields flags and operands one at a time in command-line order,
// for commands whose flags repeat or act as they come (build);
// ParseCommandArgs collects them for the rest.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/cli/commands.h"

namespace ubuild::cli {

// A flag that is not in the spec, or one missing its value. `word` is the
// flag as written ("--tag", "-t", "-qx"), for commands that word it their way.
struct FlagError : UsageError {
  enum class Kind { kUnknown, kNeedsValue };
  FlagError(Kind k, std::string w, const std::string& message)
      : UsageError(message), kind(k), word(std::move(w)) {}
  Kind kind;
  std::string word;
};

// One flag or operand.
struct FlagItem {
  const FlagSpec* flag = nullptr;  // nullptr: an operand, in `value`
  std::string value;               // the value of a value flag, or an operand
  bool inline_value = false;       // "--name=value" or "-n=value" on a flag without a value: value holds it
};

class FlagReader {
 public:
  FlagReader(std::string command, const Args& args, const std::vector<FlagSpec>& specs);
  // The next flag or operand; false at the end. Throws FlagError.
  bool Next(FlagItem* item);

 private:
  const FlagSpec* ByLong(const std::string& name) const;
  const FlagSpec* ByShort(char c) const;
  bool NextShort(FlagItem* item);

  std::string command_;
  const Args& args_;
  const std::vector<FlagSpec>& specs_;
  size_t next_ = 0;           // next word of args_
  size_t short_pos_ = 0;      // inside args_[next_ - 1] while > 0: the next short flag
  bool operands_only_ = false;  // after "--"
};

struct ParsedArgs {
  std::set<std::string> flags;             // canonical (long) names that were given
  std::map<std::string, std::string> values;  // long name -> value, for value flags
  std::map<std::string, std::vector<std::string>> repeated;  // long name -> every value, in order
  std::set<std::string> set_false;         // boolean flags whose last word was "--name=false"
  std::vector<std::string> positional;
  bool Has(const std::string& name) const { return flags.count(name) != 0; }
  // A boolean flag's value, `fallback` when it was not given at all.
  bool Bool(const std::string& name, bool fallback) const {
    return Has(name) || (!set_false.count(name) && fallback);
  }
};

// All flags at once; a repeated value flag keeps its last value, and a
// boolean flag takes "--name=true" or "--name=false".
ParsedArgs ParseCommandArgs(const std::string& command, const Args& args, const std::vector<FlagSpec>& specs);
// The same with the flags of the command's table entry.
ParsedArgs ParseCommandArgs(const Command& command, const Args& args);

// -h/--help, which every command takes.
const FlagSpec& HelpFlag();
// Whether the words ask for the command's help: -h or --help among its flags
// (not as another flag's value, nor after "--"). A flag error before it
// leaves the command to report that error.
bool AsksForHelp(const Command& command, const Args& args);

}  // namespace ubuild::cli
