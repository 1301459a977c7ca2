#pragma once
// What the builder knows while it walks one stage: the image so far (what a
// cache hit replaces), the walk state a hit leaves alone (build args in
// scope, whether this stage set CMD), and the build-wide services every step
// uses (store, cache, log, the step runtime). Dispatchers read and advance it.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/dispatch/build_args.h"
#include "builder/dispatch/build_options.h"
#include "builder/dispatch/build_tmpfs.h"
#include "builder/dispatch/remote_step_cache.h"
#include "builder/dispatch/step_runtime.h"
#include "builder/copy/dockerignore.h"
#include "parser/platform_args.h"
#include "parser/word_expansion.h"
#include "store/base/progress_sink.h"
#include "store/image_config.h"
#include "store/build_cache.h"
#include "store/digest.h"
#include "store/store.h"

namespace ubuild::builder {

// A finished stage, for FROM <stage> and COPY --from=<stage>.
struct StageResult {
  std::optional<store::Digest> image_id;  // nullopt: scratch with no steps
  store::ImageConfig config = store::ImageConfig::Scratch();
  // A stage left unstored because its layers are still in a --cache-from
  // cache: as StageImage's, for the stage that builds FROM it.
  std::vector<store::Digest> unstored;
  std::optional<store::Digest> stored_parent;
};

// Build-wide: shared by every stage and step.
struct BuildContext {
  const BuildOptions& options;
  store::Store& store;
  store::BuildCache cache;
  ProgressSink& log;                            // the display: the classic log, the live view, rawjson
  StepRuntime& runtime;                         // mounts and processes (faked in tests)
  std::string dockerfile_name;                  // for error locations
  char escape = '\\';
  DockerIgnore ignore;
  std::filesystem::path context_digest_cache;   // SourceHash's per-file digest cache
  std::optional<int64_t> source_date_epoch;
  std::map<std::string, StageResult> stages_by_name;  // lower-case name and decimal index
  parser::ExpansionBudget expansion_budget;     // what variable expansion may add, build-wide
  RemoteStepCache* remote_cache = nullptr;      // --cache-from; nullptr: none
  std::optional<store::Digest> step_key;        // the key of the step last probed, for --cache-to
  std::optional<store::Digest> step_alias_key;  // its COPY --from key (CopyFromCacheKey), for --cache-to
  std::optional<store::Digest> step_linked_key;  // its COPY --link key (LinkedLayerKey), for --cache-to
  std::map<std::string, std::string> bind_source_hashes;  // RUN --mount=type=bind context source -> its hash
  BuildTmpfs run_tmpfs;                         // RUN --mount's secrets and view mount points
  bool stage_lands = false;                     // the stage's image comes into the store (PrefetchLikelyHit)
};

// The image a stage has reached: the parent of its next step. A cache hit
// replaces it whole; a commit advances it.
// Config-only steps leave no record in the store (each config repeats all
// earlier history, so storing every one is quadratic): `unstored` lists
// their ids since the newest stored image, which the next stored image names
// as its parent (stored_parent) and lists as its intermediates.
struct StageImage {
  store::ImageConfig config = store::ImageConfig::Scratch();
  std::optional<store::Digest> id;         // nullopt: scratch, no step yet
  std::optional<store::Digest> top_chain;  // chain_id of the top layer
  std::vector<store::Digest> unstored;     // oldest first; the last is `id` when not empty
  std::optional<store::Digest> stored_parent;  // below unstored.front(); unused when unstored is empty

  // The newest image of the chain that is in the store: the parent of the
  // next stored image.
  std::optional<store::Digest> StoredBase() const { return unstored.empty() ? id : stored_parent; }
};

// The shell of shell-form commands: the config's Shell, else /bin/sh -c.
std::vector<std::string> ShellOf(const store::ImageConfig& config);

struct StageState {
  StageImage image;
  BuildArgs args;
  bool cmd_set = false;                    // this stage set CMD (ENTRYPOINT keeps it)
  parser::Platform platform = parser::HostPlatform();  // what its RUNs execute as

  explicit StageState(BuildArgs a) : args(std::move(a)) {}

  std::vector<std::string> Shell() const { return ShellOf(image.config); }
  // Env used to expand words: the config's Env plus the allowed build args.
  std::vector<std::string> ExpansionEnv() const;
};

}  // namespace ubuild::builder
