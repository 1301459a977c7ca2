#pragma once
// An image as cache, Docker's classic --cache-from IMAGE (also a
// type=registry ref that names an image rather than a build cache): the
// image is taken from the store, else only its manifest and config are read
// from its registry — the config's history and diff_ids decide every hit,
// and a layer is fetched only when a step needs it. A step hits when the
// image's history continues the step's parent with the step's created_by
// text — moby's image/cache rule: the parent's history entries and layers
// are the image's first ones, equal field for field, and the next entry's
// created_by is the step's.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "builder/dispatch/remote_step_cache.h"
#include "builder/registry_cache_endpoint.h"
#include "store/image_config.h"
#include "store/registry/build_cache_manifest.h"
#include "store/store.h"

namespace ubuild::builder {

struct CacheImage {
  store::Digest id;
  store::ImageConfig config;
  std::string config_bytes;  // hashing to `id`
  // Where each layer's blob is in the image's registry, bottom first;
  // empty when the image (with its layers) is in the store.
  std::vector<store::registry::CacheLayer> layers;
  // diff_ids of `layers` whose blob the registry no longer has (a HEAD
  // found none, or one of another size): the steps that made them miss.
  std::set<store::Digest> lost;
};

// The image `ref` names in the store, pinned; nullopt when the store lacks it.
std::optional<CacheImage> StoredCacheImage(store::Store& store, const std::string& ref);

// The image a registry `manifest` (an image's, or an index resolved to the
// host's platform) names: its config read through `endpoint`, its layers
// left there but asked for (HEADs sent with the config's GET), those gone
// put in `lost`. Throws ubuild::Error when it is not a usable image.
CacheImage RemoteCacheImage(CacheEndpoint& endpoint, const std::string& manifest);

// Whether a manifest is an image's (a manifest with an image config, or an
// index of them) rather than a build cache's.
bool IsImageManifest(std::string_view manifest);

// The created_by text of the history entry that made layer `layer` (0:
// the bottom one) of `config`; empty when no entry does.
std::string LayerStepText(const store::ImageConfig& config, size_t layer);

// nullopt too when the entry's layer is lost: that step runs, and so does
// every later one unless the run remakes the same layer.
std::optional<RemoteStepCache::HistoryStep> MatchHistory(const CacheImage& image, const store::ImageConfig& parent,
                                                         const std::string& created_by);

}  // namespace ubuild::builder
