#pragma once
// What the builder knows while it walks one stage: the image so far (config,
// id, top layer), the build args in scope, and the build-wide services every
// step uses (store, cache, log). Dispatchers read and advance it.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/dispatch/build_args.h"
#include "builder/dispatch/build_log.h"
#include "builder/dispatch/build_options.h"
#include "builder/copy/dockerignore.h"
#include "store/image_config.h"
#include "store/build_cache.h"
#include "store/digest.h"
#include "store/store.h"

namespace ubuild::builder {

// A finished stage, for FROM <stage> and COPY --from=<stage>.
struct StageResult {
  std::optional<store::Digest> image_id;  // nullopt: scratch with no steps
  store::ImageConfig config = store::ImageConfig::Scratch();
};

// Build-wide: shared by every stage and step.
struct BuildContext {
  const BuildOptions& options;
  store::Store& store;
  store::BuildCache cache;
  BuildLog& log;
  std::string dockerfile_name;                  // for error locations
  char escape = '\\';
  DockerIgnore ignore;
  std::filesystem::path context_digest_cache;   // SourceHash's per-file digest cache
  std::optional<int64_t> source_date_epoch;
  std::map<std::string, StageResult> stages_by_name;  // lower-case name and decimal index
};

struct StageState {
  store::ImageConfig config = store::ImageConfig::Scratch();
  std::optional<store::Digest> image_id;   // the current image (parent of the next step)
  std::optional<store::Digest> top_chain;  // chain_id of the top layer
  BuildArgs args;
  bool cmd_set = false;                    // this stage set CMD (ENTRYPOINT keeps it)

  explicit StageState(BuildArgs a) : args(std::move(a)) {}

  std::vector<std::string> Shell() const;  // config Shell, else /bin/sh -c
  // Env used to expand words: the config's Env plus the allowed build args.
  std::vector<std::string> ExpansionEnv() const;
};

}  // namespace ubuild::builder
