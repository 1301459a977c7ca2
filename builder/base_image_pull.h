#pragma once
// The images a build names — FROM and COPY --from=IMAGE, when they are not
// scratch or a stage — pulled from their registry before the first step
// when the store does not have them, or every time with --pull (Docker's
// classic builder does the same at each FROM). COPY --from values holding
// a variable are known only once their stage runs, so they are not pulled.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "builder/dispatch/build_options.h"
#include "parser/instructions.h"
#include "parser/platform_args.h"
#include "store/base/progress_sink.h"
#include "store/store.h"

namespace ubuild::builder {

// `froms` are the stages' expanded FROM lines, `platforms` the platform
// each stage's images are pulled for (nullopt: the host's); `needed` which
// stages run.
// `say` gets docker pull's progress lines, `sink` (nullable) each layer's
// download as a byte-counted task.
void PullBaseImages(const BuildOptions& options, store::Store& store, const parser::Dockerfile& df,
                    const std::vector<parser::FromInstr>& froms,
                    const std::vector<std::optional<parser::Platform>>& platforms, const std::vector<bool>& needed,
                    const std::string& dockerfile_name, const std::function<void(const std::string&)>& say,
                    ProgressSink* sink = nullptr);

}  // namespace ubuild::builder
