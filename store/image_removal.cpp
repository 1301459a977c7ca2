#include "store/image_removal.h"

#include <map>
#include <set>

#include "store/base/error.h"
#include "store/store.h"

namespace ubuild::store {

bool ImageIsUnreferenced(const Store& store, const Digest& id) {
  return store.refs().TagsOf(id).empty() && store.images().Children(id).empty() &&
         !store.PinnedByOthers().count(id);
}

std::vector<Digest> DeleteImageAndBareParents(Store& store, const Digest& id) {
  const std::set<Digest> pinned = store.PinnedByOthers();
  if (pinned.count(id)) {
    // As docker refuses for an image a running container uses.
    throw Error("conflict: unable to delete " + ShortId(id.str()) +
                " (cannot be forced) - image is being used by a running build");
  }
  // The whole chain is chosen before anything goes, so that the images are
  // unlinked with one barrier (image_store.h): a parent goes along when the
  // image before it is its only child and no tag or build keeps it. Each
  // image's parent is read once, not once per link of the chain.
  std::map<Digest, size_t> children;
  for (const Digest& image : store.images().List()) {
    try {
      if (std::optional<Digest> parent = store.images().Parent(image)) ++children[*parent];
    } catch (const Error&) {
      // A corrupt parent record names no image, as ImageStore::Children reads it.
    }
  }
  std::set<Digest> tagged;
  for (const auto& [ref, image] : store.refs().All()) tagged.insert(image);
  std::vector<Digest> doomed;
  std::set<Digest> seen;  // a parent cycle in corrupt records ends the chain
  for (std::optional<Digest> next = id; next && seen.insert(*next).second && store.images().Exists(*next);) {
    doomed.push_back(*next);
    next = store.images().Parent(*next);
    if (next && (tagged.count(*next) || pinned.count(*next) || children[*next] != 1)) break;
  }
  store.images().Remove(doomed);
  store.refs().RemoveDigestsOf(doomed);
  return doomed;
}

}  // namespace ubuild::store
