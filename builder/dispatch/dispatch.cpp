#include "builder/dispatch/dispatch.h"

#include <optional>
#include <string_view>

#include "parser/expand_instruction.h"
#include "store/base/error.h"

namespace ubuild::builder {

Error StepError(const BuildContext& ctx, const parser::LocatedInstruction& in, const std::string& what) {
  return Error::At(ctx.dockerfile_name, in.line, what);
}

void Dispatch(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& raw) {
  // The variables are gathered at the first one a word names: most
  // instructions name none, and the env of a long Dockerfile is long.
  std::optional<parser::VarLookup> vars;
  const parser::VarLookup lazy = [&](std::string_view name) {
    if (!vars) vars = parser::LookupFromEnv(st.ExpansionEnv());
    return (*vars)(name);
  };
  parser::LocatedInstruction in =
      parser::Expand(raw, lazy, ctx.escape, ctx.dockerfile_name, &ctx.expansion_budget);
  if (const auto* run = std::get_if<parser::RunInstr>(&in.instr)) {
    DispatchRun(ctx, st, in, *run);
  } else if (const auto* copy = std::get_if<parser::CopyInstr>(&in.instr)) {
    DispatchCopy(ctx, st, in, *copy);
  } else if (const auto* wd = std::get_if<parser::WorkdirInstr>(&in.instr)) {
    DispatchWorkdir(ctx, st, in, *wd);
  } else {
    DispatchConfig(ctx, st, in);
  }
}

}  // namespace ubuild::builder
