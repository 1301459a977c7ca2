#include "store/image_usage.h"

#include <algorithm>
#include <map>

#include "store/chain_id.h"
#include "store/image_config.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::store {

uint64_t ImageSize(const LayerStore& layers, const std::vector<Digest>& diff_ids,
                   std::map<Digest, uint64_t>* memo) {
  uint64_t total = 0;
  for (const Digest& chain : ChainIds(diff_ids)) {
    if (memo != nullptr) {
      auto it = memo->find(chain);
      if (it == memo->end()) it = memo->emplace(chain, layers.SizeOf(chain).value_or(0)).first;
      total += it->second;
    } else {
      total += layers.SizeOf(chain).value_or(0);
    }
  }
  return total;
}

std::set<Digest> LayersInUse(const Store& store) {
  std::set<Digest> used;
  for (const Digest& id : store.images().List()) {
    auto diff_ids = ParseDiffIds(store.images().GetConfig(id), layout::ImageContent(store.root(), id).string());
    for (const Digest& chain : ChainIds(diff_ids)) used.insert(chain);
  }
  // A running build's new layer has no image yet; it and its parents stay.
  for (const Digest& pin : store.PinnedByOthers()) {
    for (std::optional<Digest> chain = pin; chain && !used.count(*chain);) {
      std::optional<Layer> layer = store.layers().Get(*chain);
      if (!layer) break;  // an image id, or gone
      used.insert(*chain);
      chain = layer->parent;
    }
  }
  return used;
}

std::vector<RemovedLayer> RemoveUnusedLayers(Store& store) {
  std::set<Digest> used = LayersInUse(store);
  // Depth of each unused layer, so children go before parents.
  std::map<Digest, std::optional<Digest>> parent_of;
  for (const Digest& chain : store.layers().List()) {
    if (used.count(chain)) continue;
    if (auto layer = store.layers().Get(chain)) parent_of[chain] = layer->parent;
  }
  // A layer whose parent is doomed is deeper than it; count hops within the doomed set.
  std::vector<std::pair<size_t, Digest>> order;
  for (const auto& [chain, parent] : parent_of) {
    size_t depth = 0;
    for (auto p = parent; p && parent_of.count(*p); p = parent_of[*p]) ++depth;
    order.emplace_back(depth, chain);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RemovedLayer> removed;
  std::vector<Digest> chains;
  for (const auto& [depth, chain] : order) {
    removed.push_back(RemovedLayer{chain, store.layers().SizeOf(chain).value_or(0)});
    chains.push_back(chain);
  }
  store.layers().Remove(chains);
  return removed;
}

}  // namespace ubuild::store
