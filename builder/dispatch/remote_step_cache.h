#pragma once
// The seam between a step's cache probe and a cache that lives elsewhere
// (a registry, an OCI layout directory: builder/registry_cache_import.h).
// A hit hands back the step's config; its layers stay where they are until
// a step needs a rootfs or the image must land in the store, and then
// Materialize brings the missing ones in. Dispatch sees only this interface:
// it does not speak to registries.
#include <optional>
#include <string>

#include "store/digest.h"

namespace ubuild::builder {

class RemoteStepCache {
 public:
  virtual ~RemoteStepCache() = default;
  // The config bytes the step with this key produced, when the cache has it.
  virtual std::optional<std::string> Lookup(const store::Digest& key) = 0;
  // Registers the layer chain ending at `top_chain` (a config's
  // TopChainId) as far as the store lacks it, bottom first.
  virtual void Materialize(const std::optional<store::Digest>& top_chain) = 0;
};

}  // namespace ubuild::builder
