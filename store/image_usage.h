#pragma once
// How images use layers: an image's size (sum of its layers' sizes, as
// `docker images` counts it) and the sweep that removes layers no image
// needs any more (used by rmi and prune).
// REQUIRES for RemoveUnusedLayers: the store is open for writing.
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

class Store;
class LayerStore;

// Bytes of file content in the image's layers. `memo` (nullable) remembers
// layer sizes across calls: images listed together share most layers.
uint64_t ImageSize(const LayerStore& layers, const std::vector<Digest>& diff_ids,
                   std::map<Digest, uint64_t>* memo = nullptr);

// Every chain_id some image's rootfs names (whole chains, base to top), and
// those a running build pinned (with their parents).
std::set<Digest> LayersInUse(const Store& store);

struct RemovedLayer {
  Digest chain_id;
  uint64_t size = 0;
};
// Removes layers no image uses, children before their parents.
std::vector<RemovedLayer> RemoveUnusedLayers(Store& store);

}  // namespace ubuild::store
