#include "parser/meta_args.h"

#include "parser/word_expansion.h"
#include "store/base/error.h"

namespace ubuild::parser {

std::vector<std::string> ResolveMetaArgs(const Dockerfile& dockerfile,
                                         const std::map<std::string, std::string>& build_args,
                                         const std::vector<std::string>& predefined) {
  std::vector<std::string> env;
  ExpansionBudget budget;
  for (const std::string& kv : predefined) {
    const std::string name = kv.substr(0, kv.find('='));
    auto it = build_args.find(name);
    env.push_back(it == build_args.end() ? kv : name + "=" + it->second);
  }
  for (size_t i = 0; i < dockerfile.meta_args.size(); ++i) {
    int line = i < dockerfile.meta_arg_lines.size() ? dockerfile.meta_arg_lines[i] : 0;
    for (const ArgInstr::Arg& arg : dockerfile.meta_args[i].args) {
      VarLookup lookup = LookupFromEnv(env);
      std::string name, value;
      bool has_value = false;
      try {
        name = ExpandWord(arg.name, lookup, dockerfile.escape);
        if (auto it = build_args.find(name); it != build_args.end()) {
          value = it->second;
          has_value = true;
        } else if (arg.default_value) {
          value = ExpandWord(*arg.default_value, lookup, dockerfile.escape);
          budget.Charge(arg.default_value->size(), value.size());
          has_value = true;
        }
      } catch (const Error& e) {
        throw Error::At(dockerfile.filename, line, e.what());
      }
      if (has_value) env.push_back(name + "=" + value);
    }
  }
  return env;
}

std::optional<std::string> MetaArgValue(const std::vector<std::string>& meta_env, const std::string& name) {
  for (auto it = meta_env.rbegin(); it != meta_env.rend(); ++it) {
    if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=') {
      return it->substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

FromInstr ExpandFrom(const Stage& stage, const std::vector<std::string>& meta_env, char escape,
                     const std::string& filename) {
  FromInstr from = stage.from;
  VarLookup lookup = LookupFromEnv(meta_env);
  try {
    from.image = ExpandWord(from.image, lookup, escape);
    from.platform = ExpandWord(from.platform, lookup, escape);
  } catch (const Error& e) {
    throw Error::At(filename, stage.line, e.what());
  }
  if (from.image.empty()) {
    throw Error::At(filename, stage.line, "base name (" + stage.from.image + ") should not be blank");
  }
  return from;
}

}  // namespace ubuild::parser
