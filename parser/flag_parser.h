#pragma once
// The `--name=value` options before an instruction's arguments, checked
// against the set each instruction accepts (BuildKit's BFlags rules):
// string flags need `=value`, bool flags take none or true/false, a flag
// may appear once unless it is repeatable, `--` ends the options.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ubuild::parser {

class FlagParser {
 public:
  enum class Type { kBool, kString, kStrings };

  void Declare(const std::string& name, Type type) { declared_[name] = type; }

  // Throws ubuild::Error (without location) naming the offending flag.
  void Parse(const std::vector<std::string>& flags);

  std::string String(const std::string& name) const;      // "" if absent
  std::vector<std::string> Strings(const std::string& name) const;
  bool Bool(const std::string& name) const;                // false if absent
  bool Used(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, Type> declared_;
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace ubuild::parser
