#include "parser/flag_parser.h"

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::parser {

void FlagParser::Parse(const std::vector<std::string>& flags) {
  for (const std::string& flag : flags) {
    if (flag.rfind("--", 0) != 0) throw Error("flag should start with --: " + flag);
    if (flag == "--") return;
    std::string name = flag.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto it = declared_.find(name);
    if (it == declared_.end()) throw Error("unknown flag: --" + name);
    if (values_.count(name) && it->second != Type::kStrings) throw Error("duplicate flag specified: --" + name);
    switch (it->second) {
      case Type::kBool: {
        if (value && value->empty()) throw Error("missing a value on flag: --" + name);
        std::string lower = value ? AsciiLower(*value) : "true";
        if (lower != "true" && lower != "false")
          throw Error("expecting boolean value for flag --" + name + ", not: " + *value);
        values_[name].push_back(lower);
        break;
      }
      case Type::kString:
      case Type::kStrings:
        if (!value) throw Error("missing a value on flag: --" + name);
        values_[name].push_back(*value);
        break;
    }
  }
}

std::string FlagParser::String(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? std::string() : it->second.back();
}

std::vector<std::string> FlagParser::Strings(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

bool FlagParser::Bool(const std::string& name) const { return String(name) == "true"; }

}  // namespace ubuild::parser
