#pragma once
// The platform a stage is built for — FROM --platform=, else the earlier
// stage it builds on, else `ubuild build --platform` — and the check that a
// store image FROM names was made for it.
#include <optional>
#include <string>
#include <vector>

#include "builder/dispatch/build_options.h"
#include "parser/instructions.h"
#include "parser/platform_args.h"
#include "store/image_config.h"

namespace ubuild::builder {

// `from` is the stage's expanded FROM; `earlier_*` the stages before it.
// nullopt: no platform was asked for (the host's). A bad FROM --platform
// value throws an error located at `line`.
std::optional<parser::Platform> StagePlatform(const BuildOptions& options,
                                              const std::vector<parser::FromInstr>& earlier_froms,
                                              const std::vector<std::optional<parser::Platform>>& earlier_platforms,
                                              const parser::FromInstr& from, const std::string& dockerfile_name,
                                              int line);

// Refuses a store image `config` made for another os/architecture than
// `wanted`, as Docker's builder does, rather than run or label it as the other.
void CheckBasePlatform(const store::ImageConfig& config, const std::string& image, const parser::Platform& wanted,
                       const std::string& dockerfile_name, int line);

}  // namespace ubuild::builder
