#pragma once
// --cache-from: the caches a build may take steps from, loaded before the
// first step. Loading reads each cache's manifest and step list — no layer
// is downloaded — and, for a directory, stats each layer blob. A step whose
// key is listed is a hit; its layers are fetched only when Materialize is
// asked for them (a later step needs a rootfs, or the image must land in
// the store), all it needs at once. A cache that is missing, unreadable
// or not a ubuild build cache is dropped whole with a warning: the build
// goes on without it. A directory's layer blob found gone at load drops
// only the steps whose images have that layer (the step that made it and
// those above), with a warning naming the step; an image as cache's HEADs
// do the same for the steps of its history. A blob that fails when
// Materialize reads it (a registry's gone, a blob damaged at its size) is
// dropped the same way, unless another loaded cache has the layer, and
// Materialize throws CacheLayerLost: the build starts over.
// Any other failure while a layer comes in (a full disk, a store dir it
// may not write, the network) is not the cache's: it is the build's error,
// thrown as it is, and nothing is dropped.
// An image given as cache (--cache-from IMAGE_REF, or a registry ref
// naming an image) is matched by history instead of by key
// (registry_cache_image.h).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/dispatch/remote_step_cache.h"
#include "builder/registry_cache_endpoint.h"
#include "builder/registry_cache_image.h"
#include "builder/registry_cache_option.h"
#include "builder/registry_cache_prefetch.h"
#include "builder/registry_cache_steps.h"
#include "store/store.h"

namespace ubuild::builder {

class RegistryCacheImport : public RemoteStepCache {
 public:
  // How a location is opened for reading; tests give fakes.
  using OpenEndpoint = std::function<std::unique_ptr<CacheEndpoint>(const CacheLocation&)>;
  // `warn` gets one line per cache (or part of one) that could not be used.
  RegistryCacheImport(store::Store& store, const std::vector<CacheLocation>& locations,
                      const std::function<void(const std::string&)>& warn, const OpenEndpoint& open = nullptr);

  std::optional<std::string> Lookup(const store::Digest& key) override;
  void Materialize(const std::optional<store::Digest>& top_chain) override;
  void PrefetchLikelyHit(const store::ImageConfig& parent, const std::optional<store::Digest>& parent_chain,
                         const std::string& head, const std::string& tail) override;
  std::optional<store::Digest> LinkedLayer(const store::Digest& linked_key,
                                           const std::optional<store::Digest>& parent) override;
  std::optional<HistoryStep> LookupHistory(const store::ImageConfig& parent, const std::string& created_by) override;
  std::optional<std::string> CacheImageConfig(const store::Digest& id) override;

  // Where a layer of the imported caches lives, for an exporter that can
  // mount it (same registry) instead of downloading it.
  struct Source {
    store::registry::CacheLayer layer;
    CacheEndpoint* endpoint;
  };
  std::optional<Source> BlobOf(const store::Digest& diff_id) const;
  // Registry repositories the caches come from (mount sources).
  std::vector<std::string> Repositories() const;

 private:
  void Load(const CacheLocation& location, const OpenEndpoint& open, const std::function<void(const std::string&)>& say);
  // An image as cache; `endpoint` (nullptr: the image is in the store) holds its layers.
  void AddImage(CacheImage image, CacheEndpoint* endpoint, const std::string& ref,
                const std::function<void(const std::string&)>& say);
  // Materialize's work; a blob that is gone throws BlobUnavailable.
  void Bring(const std::optional<store::Digest>& top_chain);
  // A layer whose blob turned out gone after resolution: another loaded
  // cache's blob of it is its source from now on; failing that, it is no
  // longer a source, nor is any step whose image has it.
  void Forget(const store::Digest& diff_id);
  // Links each layer of a chain that a source holds to the chain below it.
  void AddChains(const std::vector<store::Digest>& diff_ids);
  // The layer a prefetch brought for `diff_id`, or nullptr.
  std::unique_ptr<CacheEndpoint::FetchedLayer> TakePrefetched(const store::Digest& diff_id);
  struct Link {
    std::optional<store::Digest> parent;  // chain_id below
    size_t source = 0;                    // index into sources_
  };

  store::Store& store_;
  std::vector<std::unique_ptr<CacheEndpoint>> endpoints_;
  std::vector<Source> sources_;
  CacheSteps steps_;
  std::map<store::Digest, size_t> by_diff_id_;      // diff_id -> index into sources_
  std::set<size_t> lost_sources_;                   // indexes into sources_ whose blob turned out gone
  std::map<store::Digest, Link> chains_;            // chain_id -> how to make it
  std::vector<CacheImage> images_;                  // images as cache, in --cache-from order
  std::map<store::Digest, std::string> image_configs_;  // id -> config bytes of every image as cache
  std::map<const CacheEndpoint*, CacheLocation> locations_;  // a registry endpoint's, for a prefetch's own endpoint
  // Last: cancelled and joined before the rest goes. guess_: the prefetch
  // whose COPY has not been probed yet; prefetches_: those whose COPY hit.
  std::vector<std::unique_ptr<CachePrefetch>> prefetches_;
  std::unique_ptr<CachePrefetch> guess_;
};

}  // namespace ubuild::builder
