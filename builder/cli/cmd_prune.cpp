// ubuild prune [-f] and ubuild image prune [-a] [-f]: remove dangling images
// (no tag, no child), repeatedly, then layers no image uses, then build-cache
// entries whose image went; print what went and the space freed, as
// `docker image prune` does (the build cache aside). With -a every image
// goes, as docker's -a removes every image no container uses and ubuild has
// no containers: its tags first, so each image is dangling when it goes.
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "store/build_cache.h"
#include "store/cache_mount_use.h"
#include "store/image_usage.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

int Prune(const GlobalOptions& g, bool all) {
  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  std::vector<std::string> untagged;
  if (all) {
    for (const auto& [ref, id] : s.refs().All()) {
      s.refs().Untag(ref);
      untagged.push_back(ref);
    }
  }

  // One pass over the records, then a worklist: deleting a dangling image
  // may leave its parent dangling too.
  std::set<store::Digest> tagged = s.PinnedByOthers();  // a running build's images count as tagged
  for (const auto& [ref, id] : s.refs().All()) tagged.insert(id);
  std::map<store::Digest, std::optional<store::Digest>> parent_of;
  std::map<store::Digest, size_t> children;
  for (const store::Digest& id : s.images().List()) {
    parent_of[id] = s.images().Parent(id);
    children[id];
    if (parent_of[id]) ++children[*parent_of[id]];
  }
  std::vector<store::Digest> work;
  for (const auto& [id, n] : children) {
    if (n == 0 && !tagged.count(id) && parent_of.count(id)) work.push_back(id);
  }
  std::vector<store::Digest> deleted_images;
  while (!work.empty()) {
    store::Digest id = work.back();
    work.pop_back();
    deleted_images.push_back(id);
    auto parent = parent_of[id];
    if (parent && parent_of.count(*parent) && --children[*parent] == 0 && !tagged.count(*parent)) {
      work.push_back(*parent);
    }
  }
  s.images().Remove(deleted_images);  // one barrier for all (image_store.h)
  s.refs().RemoveDigestsOf(deleted_images);  // as rmi: no RepoDigest outlives its image
  std::vector<store::RemovedLayer> layers = store::RemoveUnusedLayers(s);
  store::BuildCache(s.root(), s.images()).RemoveDangling();

  uint64_t freed = 0;
  if (!untagged.empty() || !deleted_images.empty()) {
    std::cout << "Deleted Images:\n";
    for (const auto& ref : untagged) std::cout << "untagged: " << ref << "\n";
    for (const auto& id : deleted_images) std::cout << "deleted: " << id.str() << "\n";
    std::cout << "\n";
  }
  if (!layers.empty()) {
    std::cout << "Deleted Layers:\n";
    for (const auto& l : layers) {
      std::cout << "deleted: " << l.chain_id.str() << "\n";
      freed += l.size;
    }
    std::cout << "\n";
  }
  std::cout << "Total reclaimed space: " << HumanSize(freed) << "\n";
  return 0;
}

}  // namespace

int CmdPrune(const GlobalOptions& g, const Args& args) {
  // -f is accepted for docker's muscle memory; ubuild never asks.
  ParsedArgs p = ParseCommandArgs(CommandNamed("prune"), args);
  if (!p.positional.empty()) throw UsageError("prune takes no arguments");
  return Prune(g, false);
}

int CmdImagePrune(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("image prune"), args);
  if (!p.positional.empty()) throw UsageError("image prune takes no arguments");
  return Prune(g, p.Has("all"));
}

// ubuild builder prune [-a] [-f]: docker's command for the build cache. The
// cache holds records only (layers belong to images), so it all goes, but
// for the RUN cache mounts a running build uses.
int CmdBuilderPrune(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("builder prune"), args);
  if (!p.positional.empty()) throw UsageError("builder prune takes no arguments");
  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  // A running RUN's cache mount stays, as BuildKit keeps records in use.
  const store::CacheMountsPruned mounts = store::RemoveUnusedCacheMounts(s.root());
  const uint64_t freed = mounts.freed + store::BuildCache(s.root(), s.images()).RemoveAll();
  if (mounts.in_use > 0) {
    std::cout << "Kept " << mounts.in_use << " cache mount" << (mounts.in_use == 1 ? "" : "s")
              << " in use by a running build\n";
  }
  std::cout << "Total reclaimed space: " << HumanSize(freed) << "\n";
  return 0;
}

}  // namespace ubuild::cli
