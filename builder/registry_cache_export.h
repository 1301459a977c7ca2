#pragma once
// --cache-to: the steps this build ran or took from a cache, written as a
// build cache (store/registry/build_cache_manifest.h) once the build is
// done. mode=min keeps the steps of the stages the exported image is made
// of (the target and the stages its FROM lines reach); mode=max keeps every
// stage's. A layer's blob is, in order of preference: already where the
// cache goes, mounted from the cache the build imported it from (same
// registry: no bytes move), mounted from where the store has seen it
// (distribution metadata), or compressed from the store and uploaded.
// Blobs go first and the manifest last, so a reader never sees a manifest
// naming a blob that is not there.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/registry_cache_import.h"
#include "builder/registry_cache_option.h"
#include "store/image_config.h"
#include "store/store.h"

namespace ubuild::builder {

class RegistryCacheExport {
 public:
  // One step: its key, the image it ended on and whether it made a layer
  // (the config's last diff_id). `has_alias`: the step is also recorded
  // under its COPY --from key. `linked`: `key` is a COPY --link step's
  // LinkedLayerKey, whose entry only its last layer matters in.
  void Record(size_t stage, const store::Digest& key, const store::ImageConfig& image, const store::Digest& id,
              bool made_layer, bool has_alias = false, bool linked = false);

  // type=inline: the steps of `image_stages` whose layers are all the
  // image's (whose config `image` is), as kInlineBuildCacheKey's value.
  std::string InlineSteps(const std::set<size_t>& image_stages, const store::ImageConfig& image) const;

  // `image_stages`: the stages mode=min keeps. `imported` may be null.
  void Export(store::Store& store, const CacheLocation& to, const std::set<size_t>& image_stages,
              RegistryCacheImport* imported, const std::function<void(const std::string&)>& say) const;

 private:
  struct Step {
    size_t stage = 0;
    store::Digest key;
    std::string config;
    std::vector<store::Digest> diff_ids;
    bool made_layer = false;
    // Recorded under a COPY --from key too. type=inline keeps that key
    // alone: a build that hits it never works out this one, so an inline
    // cache re-exported from a cached build is the same bytes (same id).
    bool has_alias = false;
    // A LinkedLayerKey: not in type=inline, whose layers are the image's
    // and no blobs of their own that a builder on another base could fetch.
    bool linked = false;
  };
  std::vector<Step> steps_;
};

}  // namespace ubuild::builder
