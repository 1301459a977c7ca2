#include "builder/dispatch/dispatch.h"

#include "parser/expand_instruction.h"
#include "store/base/error.h"

namespace ubuild::builder {

Error StepError(const BuildContext& ctx, const parser::LocatedInstruction& in, const std::string& what) {
  return Error::At(ctx.dockerfile_name, in.line, what);
}

void Dispatch(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& raw) {
  parser::LocatedInstruction in =
      parser::Expand(raw, parser::LookupFromEnv(st.ExpansionEnv()), ctx.escape, ctx.dockerfile_name,
                     &ctx.expansion_budget);
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
