#pragma once
// layerdb + overlay2: layers registered under their chain_id (design.md §3).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/layer_tar.h"

namespace ubuild::store {

struct Layer {
  Digest chain_id;
  Digest diff_id;
  std::optional<Digest> parent;      // parent chain_id
  uint64_t size = 0;                 // bytes of file content
  std::string cache_id;
  std::string link;                  // 26-char name in overlay2/l/
  std::filesystem::path diff_dir;    // ROOT/overlay2/<cache-id>/diff
};

// A layer being made: overlay2/<cache-id>/{diff,work} exist, nothing is
// registered yet. Commit or Discard it; a crash leaves it to be cleaned on
// the next Store::Open (it has no "committed" file).
struct PendingLayer {
  std::string cache_id;
  std::filesystem::path dir;         // ROOT/overlay2/<cache-id>
  std::filesystem::path diff_dir;    // upperdir
  std::filesystem::path work_dir;    // overlay workdir
  std::filesystem::path merged_dir;  // mount point, made by whoever mounts
};

// A pending layer's diff, tarred and hashed (tar-split in its staging dir).
struct PreparedLayer {
  Digest diff_id;
  uint64_t size = 0;  // bytes of file content
  bool files_synced = false;  // the diff dir's files are on disk (a built layer); see atomic_file.h
};

class LayerStore {
 public:
  explicit LayerStore(std::filesystem::path root);  // ROOT

  std::optional<Layer> Get(const Digest& chain_id) const;
  // Registered? One stat, for hot paths (cache hits) that need no details.
  bool Exists(const Digest& chain_id) const;
  // Bottom to top, for a chain's top chain_id. Throws if any is missing.
  std::vector<Layer> Chain(const Digest& top_chain_id) const;
  // Absolute overlay lowerdir paths for mounting on top of `top` (nearest
  // first), as ROOT/overlay2/l/<LINK>. Empty when top is nullopt (scratch).
  std::vector<std::filesystem::path> LowerDirs(const std::optional<Digest>& top) const;

  // REQUIRES: ROOT/lock held (shared is enough), so that a leftover sweep
  // (exclusive) never sees the new dir before its flock.
  PendingLayer CreatePending();
  void Discard(PendingLayer& pending);
  // Writes the layer tar (hash + tar-split), computes diff_id and chain_id
  // and registers it. Returns nullopt — and discards the pending dir — when
  // the diff is empty (diff_id == kEmptyLayerDiffId). If the chain_id
  // already exists the existing layer is returned and the pending dir removed.
  // The diff dir's filesystem is synced before the layer is registered.
  std::optional<Layer> Commit(PendingLayer& pending, const std::optional<Digest>& parent,
                              const LayerTarOptions& options = {});
  // Commit in two halves, for writers that run beside others. Prepare does
  // the slow part (tar, tar-split, sync) and needs no lock; it returns
  // nullopt, having discarded the pending dir, for an empty diff. Finish
  // registers the layer and needs ROOT/lock (shared is enough: when another
  // process registered the same chain_id first, the rename finds it there,
  // and Finish returns that layer and discards its own copy).
  std::optional<PreparedLayer> Prepare(PendingLayer& pending, const LayerTarOptions& options = {});
  Layer Finish(PendingLayer& pending, const PreparedLayer& prepared, const std::optional<Digest>& parent);
  // Applies a layer tar (load/import) on top of `parent`, verifying the digest
  // against expected_diff_id when given. Registers it (shared if it exists).
  Layer Register(ByteSource& tar, const std::optional<Digest>& parent,
                 const std::optional<Digest>& expected_diff_id, const std::string& what);
  // Register in two halves, for layers unpacked beside each other (pull):
  // Unpack applies the tar into a pending dir from CreatePending and
  // records its tar-split, needing no lock and no parent; Finish registers
  // it once the caller has checked the diff_id. Unlike Prepare, an empty
  // layer is kept: a pulled image names it. Discards the pending dir when
  // it throws.
  PreparedLayer Unpack(PendingLayer& pending, ByteSource& tar, const std::string& what);
  // Streams the layer's tar (replaying tar-split), verifying the diff_id.
  void WriteTar(const Layer& layer, ByteSink& out) const;
  // Deletes layers, children before their parents (the caller has made sure
  // no image, and no layer outside the list, uses them). One directory
  // fsync for the lot: every layer is unregistered (its layerdb entry
  // renamed away) and that is synced before any file goes; the deletes
  // after it are not synced, and what a kill or power loss leaves of them
  // no layerdb entry names, which recovery removes (recovery.h).
  void Remove(const std::vector<Digest>& chain_ids);
  void Remove(const Digest& chain_id) { Remove(std::vector<Digest>{chain_id}); }
  std::vector<Digest> List() const;
  // The layerdb "size" alone (cheap, for listings); nullopt if no such layer.
  std::optional<uint64_t> SizeOf(const Digest& chain_id) const;

 private:
  // The shared tail of Commit and Register: staging files, link, rename.
  // The records are synced as `prepared.files_synced` says (atomic_file.h).
  Layer Publish(PendingLayer& pending, const PreparedLayer& prepared, const std::optional<Digest>& parent);
  // Removes the overlay2/l symlink a pending dir's link file names.
  void RemoveLinkOf(const std::string& cache_id);

  std::filesystem::path root_;
};

}  // namespace ubuild::store
