#include "builder/cli/command_args.h"

namespace ubuild::cli {

FlagReader::FlagReader(std::string command, const Args& args, const std::vector<FlagSpec>& specs)
    : command_(std::move(command)), args_(args), specs_(specs) {}

const FlagSpec* FlagReader::ByLong(const std::string& name) const {
  for (const auto& s : specs_) {
    if (s.long_name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* FlagReader::ByShort(char c) const {
  for (const auto& s : specs_) {
    if (s.short_name == c) return &s;
  }
  return nullptr;
}

// The next flag of a "-abc" word; a value flag takes the rest of the word
// or, when it ends the word, the next one.
bool FlagReader::NextShort(FlagItem* item) {
  const std::string& word = args_[next_ - 1];
  const char c = word[short_pos_++];
  const FlagSpec* spec = ByShort(c);
  if (spec == nullptr) {
    throw FlagError(FlagError::Kind::kUnknown, word,
                    command_ + ": unknown shorthand flag: '" + std::string(1, c) + "' in " + word);
  }
  *item = FlagItem{spec, "", false};
  if (short_pos_ < word.size() && word[short_pos_] == '=') {
    // "-o=FILE", "-H=false": the rest of the word, as pflag reads it.
    item->value = word.substr(short_pos_ + 1);
    item->inline_value = !spec->takes_value;
    short_pos_ = 0;
    return true;
  }
  if (spec->takes_value) {
    item->value = word.substr(short_pos_);
    short_pos_ = word.size();
    if (item->value.empty()) {
      if (next_ >= args_.size()) {
        throw FlagError(FlagError::Kind::kNeedsValue, "-" + std::string(1, c),
                        command_ + ": flag needs an argument: -" + std::string(1, c));
      }
      item->value = args_[next_++];
    }
  }
  if (short_pos_ >= word.size()) short_pos_ = 0;
  return true;
}

bool FlagReader::Next(FlagItem* item) {
  if (short_pos_ > 0) return NextShort(item);
  if (next_ >= args_.size()) return false;
  const std::string& a = args_[next_++];
  if (!operands_only_ && a == "--") {
    operands_only_ = true;
    return Next(item);
  }
  if (operands_only_ || a.size() < 2 || a[0] != '-') {
    *item = FlagItem{nullptr, a, false};
    return true;
  }
  if (a[1] != '-') {
    short_pos_ = 1;
    return NextShort(item);
  }
  std::string name = a.substr(2), value;
  const size_t eq = name.find('=');
  const bool inline_value = eq != std::string::npos;
  if (inline_value) {
    value = name.substr(eq + 1);
    name = name.substr(0, eq);
  }
  const FlagSpec* spec = ByLong(name);
  if (spec == nullptr) throw FlagError(FlagError::Kind::kUnknown, "--" + name, command_ + ": unknown flag: --" + name);
  if (spec->takes_value && !inline_value) {
    if (next_ >= args_.size()) {
      throw FlagError(FlagError::Kind::kNeedsValue, "--" + name, command_ + ": flag needs an argument: --" + name);
    }
    value = args_[next_++];
  }
  *item = FlagItem{spec, value, inline_value && !spec->takes_value};
  return true;
}

ParsedArgs ParseCommandArgs(const std::string& command, const Args& args, const std::vector<FlagSpec>& specs) {
  ParsedArgs out;
  FlagReader reader(command, args, specs);
  FlagItem item;
  while (reader.Next(&item)) {
    if (item.flag == nullptr) {
      out.positional.push_back(item.value);
      continue;
    }
    const std::string& name = item.flag->long_name;
    if (item.inline_value && item.value != "true") {
      if (item.value != "false") throw UsageError(command + ": invalid value \"" + item.value + "\" for --" + name);
      out.flags.erase(name);
      out.set_false.insert(name);
      continue;
    }
    if (item.flag->takes_value) {
      out.values[name] = item.value;
      out.repeated[name].push_back(item.value);
    }
    out.flags.insert(name);
    out.set_false.erase(name);
  }
  return out;
}

ParsedArgs ParseCommandArgs(const Command& command, const Args& args) {
  return ParseCommandArgs(command.name, args, command.flags);
}

const FlagSpec& HelpFlag() {
  static const FlagSpec help{"help", 'h', false, "", "Print this help"};
  return help;
}

bool AsksForHelp(const Command& command, const Args& args) {
  std::vector<FlagSpec> specs = command.flags;
  specs.push_back(HelpFlag());
  FlagReader reader(command.name, args, specs);
  FlagItem item;
  try {
    while (reader.Next(&item)) {
      if (item.flag != nullptr && item.flag->long_name == "help") return item.value != "false";
    }
  } catch (const FlagError&) {
    return false;
  }
  return false;
}

}  // namespace ubuild::cli
