#include "builder/cli/command_args.h"

namespace ubuild::cli {

ParsedArgs ParseCommandArgs(const std::string& command, const Args& args, const std::vector<FlagSpec>& specs) {
  ParsedArgs out;
  auto by_long = [&](const std::string& name) -> const FlagSpec* {
    for (const auto& s : specs) {
      if (s.long_name == name) return &s;
    }
    return nullptr;
  };
  auto by_short = [&](char c) -> const FlagSpec* {
    for (const auto& s : specs) {
      if (s.short_name == c) return &s;
    }
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.positional.insert(out.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      size_t eq = name.find('=');
      bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const FlagSpec* spec = by_long(name);
      if (spec == nullptr) throw UsageError(command + ": unknown flag: --" + name);
      if (spec->takes_value) {
        if (!inline_value) {
          if (i + 1 >= args.size()) throw UsageError(command + ": flag needs an argument: --" + name);
          value = args[++i];
        }
        out.values[name] = value;
      } else if (inline_value && value != "true") {
        if (value != "false") throw UsageError(command + ": invalid value \"" + value + "\" for --" + name);
        out.flags.erase(name);
        continue;
      }
      out.flags.insert(name);
    } else if (a.size() > 1 && a[0] == '-') {
      for (size_t k = 1; k < a.size(); ++k) {
        const FlagSpec* spec = by_short(a[k]);
        if (spec == nullptr) throw UsageError(command + ": unknown shorthand flag: '" + std::string(1, a[k]) + "' in " + a);
        out.flags.insert(spec->long_name);
        if (spec->takes_value) {
          std::string value = a.substr(k + 1);
          if (value.empty()) {
            if (i + 1 >= args.size()) throw UsageError(command + ": flag needs an argument: -" + std::string(1, a[k]));
            value = args[++i];
          }
          out.values[spec->long_name] = value;
          break;
        }
      }
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

}  // namespace ubuild::cli
