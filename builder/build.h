#pragma once
// A whole build: Dockerfile -> stages -> steps -> the target's image, tagged.
#include <iosfwd>

#include "builder/dispatch/build_options.h"
#include "builder/dispatch/step_runtime.h"
#include "store/base/progress_sink.h"
#include "store/digest.h"
#include "store/store.h"

namespace ubuild::builder {

// Builds and tags; returns the image id. Throws ubuild::Error (located at
// the Dockerfile line where it can be) and leaves the store as it was
// before the failing step: steps committed earlier stay, as cache.
store::Digest Build(const BuildOptions& options, store::Store& store, std::ostream& out);

// The same with mounts and processes through `runtime` (a fake in tests).
store::Digest Build(const BuildOptions& options, store::Store& store, StepRuntime& runtime, std::ostream& out);

// The same reporting to `progress` (progress/ has the displays); `out`
// above gets the classic log, or the id alone with Progress::kQuiet.
store::Digest Build(const BuildOptions& options, store::Store& store, ProgressSink& progress);
store::Digest Build(const BuildOptions& options, store::Store& store, StepRuntime& runtime, ProgressSink& progress);

}  // namespace ubuild::builder
