#include "parser/meta_args.h"

#include "parser/word_expansion.h"
#include "store/base/error.h"

namespace ubuild::parser {

std::vector<std::string> ResolveMetaArgs(const Dockerfile& dockerfile,
                                         const std::map<std::string, std::string>& build_args) {
  std::vector<std::string> env;
  ExpansionBudget budget;
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
