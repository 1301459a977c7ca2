#pragma once
// The file content the store's layers hold, as `system df` reports it. Each
// layer's layerdb "size" counts its own files once (a hard link within the
// layer adds nothing), but a file can also be hard-linked into several
// layers' diffs (a COPY --link rebase shares its source's inodes, see
// layer_rebase.h), and adding the sizes would count it once per layer. So
// the diff dirs of the layers that can share inodes — those whose diff_id
// another layer has too, as a rebased copy keeps its source's — are walked
// for inodes with more than one link, and each is counted once.
#include <cstdint>
#include <set>

#include "store/digest.h"
#include "store/layer_store.h"

namespace ubuild::store {

struct LayerDiskUsage {
  uint64_t total = 0;        // content of every layer, each inode once
  uint64_t reclaimable = 0;  // content no layer in `kept` holds: what removing the others frees
};

// Over every registered layer; `kept` names the chains that stay (a tagged
// image's). A layer removed while it is measured is left out.
LayerDiskUsage MeasureLayerDiskUsage(const LayerStore& layers, const std::set<Digest>& kept);

}  // namespace ubuild::store
