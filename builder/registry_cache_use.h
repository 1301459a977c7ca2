#pragma once
// The build cache shared through a registry as one build uses it, at the
// four points the build driver calls: the --cache-from caches loaded
// before the first step, each step recorded for --cache-to, the target
// pushed from the cache when its layers are all there, and the export once
// the image is done. build.cpp knows nothing else of registries.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/dispatch/build_options.h"
#include "builder/dispatch/stage_state.h"
#include "builder/registry_cache_export.h"
#include "builder/registry_cache_import.h"
#include "parser/instructions.h"
#include "store/store.h"

namespace ubuild::builder {

class RegistryCacheUse {
 public:
  // Parses --cache-from/--cache-to (a bad value throws) and loads the
  // caches to read; `say` gets warnings and the push and export lines.
  RegistryCacheUse(const BuildOptions& options, store::Store& store, std::function<void(const std::string&)> say);

  // What steps probe after the local cache; nullptr without --cache-from
  // or with --no-cache (which means no cache at all).
  RemoteStepCache* remote() { return imported_ ? &*imported_ : nullptr; }

  // After a step of `stage` that began with `layers_before` layers: the
  // image it ended on under the key(s) it was probed with, for --cache-to.
  void Record(const BuildContext& ctx, const StageImage& image, size_t stage, size_t layers_before);

  // The target left unstored (its layers still in the cache): pushed from
  // the cache when it can be (true), else its layers come in and it is
  // stored (false).
  bool PushOrStore(BuildContext& ctx, const StageResult& result);

  // --cache-to type=inline: the target's image becomes a child of
  // `result` with the step list in its config (a new id, as BuildKit's
  // inline cache gives), stored when `result` is, else left unstored above
  // it for PushOrStore. Nothing without type=inline.
  void AddInlineCache(BuildContext& ctx, const std::set<size_t>& image_stages, StageResult& result);

  // The build starts over (a --cache-from blob was lost): the steps
  // recorded for --cache-to so far are forgotten, as they will be again.
  void StartOver() {
    if (exporter_) exporter_.emplace();
  }

  // Each --cache-to but type=inline; `image_stages` are what mode=min keeps (ImageStages).
  void Export(store::Store& store, const std::set<size_t>& image_stages);

 private:
  store::Store& store_;
  std::function<void(const std::string&)> say_;
  std::vector<CacheLocation> to_;
  std::optional<RegistryCacheImport> imported_;
  std::optional<RegistryCacheExport> exporter_;
};

// The stages the target's image is made of: itself and those its FROM
// lines reach, through stage names or indexes.
std::set<size_t> ImageStages(const std::vector<parser::FromInstr>& froms, size_t target);

}  // namespace ubuild::builder
