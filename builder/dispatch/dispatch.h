#pragma once
// One instruction applied to a stage. Words are expanded here, with the
// stage's env and build args at this point, then the instruction's
// dispatcher runs: config-only ones edit the config, RUN/COPY/ADD/WORKDIR
// make a layer through layer_step.h.
#include "builder/dispatch/stage_state.h"
#include "parser/instructions.h"
#include "store/base/error.h"

namespace ubuild::builder {

void Dispatch(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& instr);

// Per kind, each in its own file. `in` is already expanded.
void DispatchConfig(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in);
void DispatchRun(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                 const parser::RunInstr& run);
void DispatchCopy(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                  const parser::CopyInstr& copy);
void DispatchWorkdir(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                     const parser::WorkdirInstr& workdir);

// Error located at the instruction.
Error StepError(const BuildContext& ctx, const parser::LocatedInstruction& in, const std::string& what);

}  // namespace ubuild::builder
