#pragma once
// ARGs declared before the first FROM ("meta args") are in scope only in
// FROM lines; a stage sees one only after redeclaring it (`ARG NAME`
// without a default then takes the meta value). These pure helpers give the
// builder the values and the expanded FROM; the scoping itself stays there.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "parser/instructions.h"

namespace ubuild::parser {

// Resolves meta args in declaration order: a build arg (--build-arg) given
// for a declared name overrides its default; each default is expanded with
// the meta args resolved before it. `predefined` ("K=V", the platform args)
// come first, as if declared with those defaults above the first ARG, so a
// build arg or a Dockerfile's own global ARG overrides them. Returns "K=V"
// entries, later entries winning; a name with neither default nor build
// arg is left out. Throws ubuild::Error located at the ARG's line.
std::vector<std::string> ResolveMetaArgs(const Dockerfile& dockerfile,
                                         const std::map<std::string, std::string>& build_args,
                                         const std::vector<std::string>& predefined);

// The value a resolved meta env (from ResolveMetaArgs) gives `name`, the
// last entry winning; nothing when the name has no value there.
std::optional<std::string> MetaArgValue(const std::vector<std::string>& meta_env, const std::string& name);

// FROM with its image and --platform expanded by the meta args (as
// returned by ResolveMetaArgs). The stage name is never expanded. Throws
// ubuild::Error located at the FROM line, also when the image expands to "".
FromInstr ExpandFrom(const Stage& stage, const std::vector<std::string>& meta_env, char escape,
                     const std::string& filename);

}  // namespace ubuild::parser
