#pragma once
// Deleting an image the way Docker's ImageDelete does: the image goes, then
// each parent that is left with no tag and no other child. Tags are the
// caller's business (they go first); layers are swept afterwards by
// RemoveUnusedLayers.
// REQUIRES: the store is open for writing.
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

class Store;

// True when nothing keeps the image: no tag, no child image, no running
// build that pinned it (Store::Pin).
bool ImageIsUnreferenced(const Store& store, const Digest& id);
// Removes `id` and its newly unreferenced parents, with one barrier for
// them all (ImageStore::Remove); returns them in order.
// Throws a conflict when a running build pinned `id`.
std::vector<Digest> DeleteImageAndBareParents(Store& store, const Digest& id);

}  // namespace ubuild::store
