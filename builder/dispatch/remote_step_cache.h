#pragma once
// The seam between a step's cache probe and a cache that lives elsewhere
// (a registry, an OCI layout directory: builder/registry_cache_import.h).
// A hit hands back the step's config; its layers stay where they are until
// a step needs a rootfs or the image must land in the store, and then
// Materialize brings the missing ones in. Dispatch sees only this interface:
// it does not speak to registries.
//
// An image given as cache (Docker's classic --cache-from IMAGE) is matched
// by history instead of by key, as moby's image/cache does: LookupHistory.
#include <optional>
#include <string>

#include "store/base/error.h"
#include "store/digest.h"
#include "store/image_config.h"

namespace ubuild::builder {

// Materialize's error when a layer the cache held at resolution cannot be
// brought in now (its blob deleted or damaged since). The cache has dropped
// that layer, and every step whose image has it, before throwing: the same
// build started over from its first stage takes the other hits again and
// runs those steps (the build driver does so, builder/build.cpp).
class CacheLayerLost : public Error {
 public:
  using Error::Error;
};

class RemoteStepCache {
 public:
  virtual ~RemoteStepCache() = default;
  // The config bytes the step with this key produced, when the cache has it.
  virtual std::optional<std::string> Lookup(const store::Digest& key) = 0;
  // Registers the layer chain ending at `top_chain` (a config's
  // TopChainId) as far as the store lacks it, bottom first. Throws
  // CacheLayerLost when a blob is gone (the layers below it stay registered).
  virtual void Materialize(const std::optional<store::Digest>& top_chain) = 0;
  // COPY --link's hit on a changed base: the diff_id of the layer the step
  // recorded under `linked_key` (LinkedLayerKey) made, on whatever base,
  // when the cache holds its blob. That layer on `parent` (its chain
  // NextChainId(parent, diff_id)) is then one Materialize can make: the
  // blob is fetched only if it is needed, and registered on `parent`.
  // A COPY about to hash its sources, in a stage whose layers will come
  // into the store: the one step of the cache on `parent` (top layer
  // `parent_chain`) whose created_by is `head`, a source hash, `tail`,
  // names the layer a hit would need. The cache may start fetching it so
  // that the hash and the download overlap. Only a hint: the hit is still
  // decided by the key, and the layer registered only then. The COPY's
  // Lookup, the next one, tells the cache whether its guess was right: a
  // miss (its sources changed) cancels the fetch. A cache that cannot
  // fetch ahead ignores it.
  virtual void PrefetchLikelyHit(const store::ImageConfig& /*parent*/,
                                 const std::optional<store::Digest>& /*parent_chain*/,
                                 const std::string& /*head*/, const std::string& /*tail*/) {}
  virtual std::optional<store::Digest> LinkedLayer(const store::Digest& linked_key,
                                                   const std::optional<store::Digest>& parent) = 0;

  // The step whose created_by text is `created_by`, on a parent with the
  // history and layers of `parent`, found in
  // a cache image: one whose history and layers begin with the parent's
  // and whose next history entry has that text.
  // The cache image and the entry's layer may still be in the image's
  // registry: Materialize brings the layer in when a step needs it.
  struct HistoryStep {
    store::Digest image;                    // the cache image
    std::string image_config;               // its config bytes (hashing to `image`)
    bool last = false;                      // the entry is its last: the step's image is the cache image
    store::HistoryEntry entry;              // as the cache image recorded it
    std::optional<store::Digest> diff_id;   // the layer the entry made
  };
  virtual std::optional<HistoryStep> LookupHistory(const store::ImageConfig& parent, const std::string& created_by) = 0;
  // The config bytes of cache image `id`, as read: an image another tool
  // wrote holds fields ubuild's ImageConfig drops (Docker's classic
  // container_config), so a hit that gives it whole is stored or pushed
  // with these bytes, not re-serialized. nullopt: no such cache image.
  virtual std::optional<std::string> CacheImageConfig(const store::Digest& id) = 0;
  // The bytes image `id`, whose config is `config`, is stored or pushed with.
  std::string ConfigBytes(const store::Digest& id, const store::ImageConfig& config) {
    std::string bytes = config.Serialize();
    if (store::Sha256Of(bytes) == id) return bytes;
    return CacheImageConfig(id).value_or(std::move(bytes));
  }
};

}  // namespace ubuild::builder
