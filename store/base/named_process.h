#pragma once
// A file or directory named by the pid of the process that writes it (a
// save's `<digest>.tmp.<pid>`, an overlay probe's `overlay-probe-<pid>-…`):
// whether that writer may still run, so a sweep removes only a dead one's.
#include <string_view>

namespace ubuild {

enum class NamedProcess {
  kNotAPid,  // `digits` is not 1-9 decimal digits naming a pid > 0
  kMayRun,   // a process with that pid runs (perhaps another user's)
  kGone,     // no process has that pid
};

// The writer named by `digits`. A pid reused since only postpones the
// removal of a dead writer's leftover to a later sweep.
NamedProcess ProcessNamedBy(std::string_view digits);

}  // namespace ubuild
