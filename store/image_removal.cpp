#include "store/image_removal.h"

#include "store/base/error.h"
#include "store/store.h"

namespace ubuild::store {

bool ImageIsUnreferenced(const Store& store, const Digest& id) {
  return store.refs().TagsOf(id).empty() && store.images().Children(id).empty() &&
         !store.PinnedByOthers().count(id);
}

std::vector<Digest> DeleteImageAndBareParents(Store& store, const Digest& id) {
  if (store.PinnedByOthers().count(id)) {
    // As docker refuses for an image a running container uses.
    throw Error("conflict: unable to delete " + ShortId(id.str()) +
                " (cannot be forced) - image is being used by a running build");
  }
  std::vector<Digest> deleted;
  std::optional<Digest> next = id;
  while (next && store.images().Exists(*next)) {
    std::optional<Digest> parent = store.images().Parent(*next);
    store.images().Remove(*next);
    store.refs().RemoveDigestsOf(*next);
    deleted.push_back(*next);
    next = parent;
    if (next && !ImageIsUnreferenced(store, *next)) break;
  }
  return deleted;
}

}  // namespace ubuild::store
