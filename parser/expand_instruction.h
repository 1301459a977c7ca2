#pragma once
// Applies word expansion to the words Docker expands for each instruction:
// ADD, COPY, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG
// (FROM and ONBUILD are expanded by the builder at their own time).
// RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK are returned unchanged: the shell expands those.
#include "parser/instructions.h"
#include "parser/word_expansion.h"

namespace ubuild::parser {

// Throws ubuild::Error located at filename:instr.line on a malformed
// expression, a word growing past kMaxExpansionGrowth, or (with a budget,
// one per build) the build's expansions passing ExpansionBudget::kTotal.
LocatedInstruction Expand(const LocatedInstruction& instr, const VarLookup& vars, char escape,
                          const std::string& filename, ExpansionBudget* budget = nullptr);

}  // namespace ubuild::parser
