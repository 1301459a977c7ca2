#include "store/recovery.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/base/named_process.h"
#include "store/image_store.h"
#include "store/layer_store.h"
#include "store/layout.h"
#include "store/leftover_mounts.h"
#include "store/pending_lock.h"
#include "store/reference_store.h"
#include "store/session_scratch.h"
#include "store/store_session.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

void RemoveTree(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw Error("cannot remove leftover: " + ec.message(), p.string());
}

void RemoveTempFilesIn(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (layout::IsTempName(entry.path().filename().string())) RemoveTree(entry.path());
  }
}

// `all_read` false: some entry's cache-id could not be read (a corrupt
// record), so the set may miss a live layer's dir.
std::set<std::string> CacheIdsNamedByLayerDb(const fs::path& root, bool* all_read) {
  std::set<std::string> named;
  *all_read = true;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout::LayerDbDir(root), ec)) {
    if (auto id = ReadFileIfExists(entry.path() / layout::kLayerCacheIdFile)) {
      named.insert(*id);
    } else {
      *all_read = false;
    }
  }
  if (ec) *all_read = false;
  return named;
}

// The records of `parent_of` (record -> its parent, nullopt for a root or a
// record to keep) that lead up to a parent missing from it, children before
// their parents: what an interrupted batch removal left.
std::vector<Digest> OrphanedChildrenFirst(const std::map<Digest, std::optional<Digest>>& parent_of) {
  // Depth within the broken part (nullopt: not broken), so children go
  // before their parents.
  std::map<Digest, std::optional<size_t>> memo;
  std::set<Digest> visiting;  // a parent cycle in corrupt records is no orphan
  std::function<std::optional<size_t>(const Digest&)> depth = [&](const Digest& id) -> std::optional<size_t> {
    if (auto it = memo.find(id); it != memo.end()) return it->second;
    const std::optional<Digest>& parent = parent_of.at(id);
    if (!parent || !visiting.insert(id).second) return std::nullopt;
    std::optional<size_t> d = parent_of.count(*parent) ? depth(*parent) : std::optional<size_t>(0);
    visiting.erase(id);
    if (d) ++*d;
    memo[id] = d;
    return d;
  };
  std::vector<std::pair<size_t, Digest>> order;
  for (const auto& [id, parent] : parent_of) {
    if (auto d = depth(id)) order.emplace_back(*d, id);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Digest> ids;
  for (const auto& [d, id] : order) ids.push_back(id);
  return ids;
}

// Layers whose parent is not registered. LayerStore::Remove unregisters a
// batch children first and syncs once, so only a power loss before that
// sync, keeping a child's rename but not its parent's, leaves one. Remove
// takes only layers no image uses, and such a layer can never be whole
// again: its removal is finished, children first.
void RemoveLayersWithoutParent(const fs::path& root) {
  LayerStore layers(root);
  std::map<Digest, std::optional<Digest>> parent_of;
  for (const Digest& chain : layers.List()) {
    try {
      if (auto layer = layers.Get(chain)) parent_of[chain] = layer->parent;
    } catch (const Error&) {
      parent_of[chain] = std::nullopt;  // a corrupt record is no reason to remove its children
    }
  }
  std::vector<Digest> chains = OrphanedChildrenFirst(parent_of);
  if (!chains.empty()) layers.Remove(chains);
}

// Images whose parent image is gone. ImageStore::Remove unlinks a batch
// children first and syncs once, and a parent goes only with all its
// children (rmi's bare parents, prune's dangling ones), so only a power
// loss before that sync, keeping a parent's unlink but not its child's,
// leaves one. Such an image was untagged before its removal began; a
// tagged one is not this debris and stays.
void RemoveImagesWithoutParent(const fs::path& root) {
  std::map<std::string, Digest> tags;
  try {
    tags = ReferenceStore(root).All();
  } catch (const Error&) {
    return;  // which images are tagged is unknown: none is removed
  }
  std::set<Digest> tagged;
  for (const auto& [ref, id] : tags) tagged.insert(id);
  ImageStore images(root);
  std::map<Digest, std::optional<Digest>> parent_of;
  for (const Digest& id : images.List()) {
    std::optional<Digest> parent;
    try {
      if (!tagged.count(id)) parent = images.Parent(id);
    } catch (const Error&) {
      // a corrupt record is no reason to remove the image
    }
    parent_of[id] = parent;
  }
  std::vector<Digest> ids = OrphanedChildrenFirst(parent_of);
  if (!ids.empty()) images.Remove(ids);
}

// `<digest>.tmp.<pid>` names its writer; a pid that still runs may be it.
bool SaverIsAlive(const std::string& name) {
  std::string::size_type dot = name.rfind(".tmp.");
  return dot != std::string::npos && ProcessNamedBy(std::string_view(name).substr(dot + 5)) == NamedProcess::kMayRun;
}

}  // namespace

// What a live process is making outside ROOT/lock is flock'd (its pending
// layer dirs, named by cache-id in overlay2/ and layerdb/tmp/; its session
// dir) and skipped; everything else here is only ever made under ROOT/lock,
// shared or exclusive, so under the exclusive lock it is a dead process's.
void RemoveLeftovers(const fs::path& root) {
  // First, so no pending dir below is removed through a live overlay.
  DetachLeftoverMounts(root);
  std::error_code ec;
  // Staging dirs of commits (named by cache-id) and of removals ("rm-…").
  for (const auto& entry : fs::directory_iterator(layout::LayerDbTmp(root), ec)) {
    std::string name = entry.path().filename().string();
    if (layout::IsCacheId(name) && PendingDirInUse(layout::CacheDir(root, name))) continue;
    RemoveTree(entry.path());
  }

  RemoveLayersWithoutParent(root);
  // A layer's dir lives while a layerdb entry names it, `committed` marker
  // or not: a removal unregisters the layer before it deletes the dir
  // (marker included) without a sync, so a marker can outlive its entry.
  // (With a layerdb entry unreadable, a marker is trusted instead.)
  bool all_read = true;
  const std::set<std::string> named = CacheIdsNamedByLayerDb(root, &all_read);
  for (const auto& entry : fs::directory_iterator(layout::Overlay2Dir(root), ec)) {
    std::string cache_id = entry.path().filename().string();
    if (!layout::IsCacheId(cache_id)) continue;
    if (!all_read && PathExists(layout::CacheCommittedFile(root, cache_id))) continue;
    if (named.count(cache_id)) {
      if (!PathExists(layout::CacheCommittedFile(root, cache_id))) {
        WriteFileDurable(layout::CacheCommittedFile(root, cache_id), "");
      }
      continue;
    }
    if (PendingDirInUse(entry.path())) continue;
    if (auto link = ReadFileIfExists(layout::CacheLinkFile(root, cache_id)); link && layout::IsLinkName(*link)) {
      fs::path link_path = layout::LinkPath(root, *link);
      std::error_code lec;
      if (fs::read_symlink(link_path, lec) == layout::LinkTarget(cache_id)) ::unlink(link_path.c_str());
    }
    RemoveTree(entry.path());
  }

  RemoveTempFilesIn(layout::ImageRoot(root));
  RemoveTempFilesIn(layout::BuildCacheDir(root));
  // The context digest files are named by a digest; any other name there is
  // the temp file of a save (`<digest>.tmp.<pid>`). A build saves it with no
  // store lock held, so only a dead saver's file is debris.
  for (const auto& entry : fs::directory_iterator(layout::ContextDigestCacheDir(root), ec)) {
    std::string name = entry.path().filename().string();
    if (!layout::IsCacheId(name) && !SaverIsAlive(name)) RemoveTree(entry.path());
  }
  RemoveTempFilesIn(layout::ImageContentDir(root));
  RemoveImagesWithoutParent(root);
  for (const auto& entry : fs::directory_iterator(layout::ImageMetadataRoot(root), ec)) {
    std::string hex = entry.path().filename().string();
    // Metadata is written before the content it describes; alone it is debris.
    if (layout::IsCacheId(hex) && !PathExists(layout::ImageContentDir(root) / hex)) {
      RemoveTree(entry.path());
      continue;
    }
    RemoveTempFilesIn(entry.path());
  }
  // Last: a dead session left behind means the sweep has not finished yet.
  // Its helpers go first, so none holds a socket in a removed directory.
  for (const auto& entry : fs::directory_iterator(layout::SessionsDir(root), ec)) {
    if (!SessionIsLive(entry.path())) KillSessionHelpers(entry.path());
  }
  RemoveDeadSessions(root);
}

}  // namespace ubuild::store
