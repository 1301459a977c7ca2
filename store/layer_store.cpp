// layerdb + overlay2, as moby's layer store and overlay2 driver lay them out.
//
// Commit order (a reader never sees a half-made layer):
//   overlay2/<cache-id>/{diff,work}  made by CreatePending, flock'd while pending
//   layerdb/tmp/<cache-id>/          staging: tar-split, then diff, size, cache-id, parent
//   overlay2/<cache-id>/{link,lower}, overlay2/l/<LINK>
//   rename layerdb/tmp/<cache-id> -> layerdb/sha256/<chain>   <- the commit point
//   overlay2/<cache-id>/committed
// `committed` comes after the rename so that every overlay2 dir without it is
// either still pending or named by a layerdb entry (the sweep in recovery.cpp
// restores the marker then); an unnamed, unlocked one is garbage.
// Two processes may register the same chain_id at once (both hold ROOT/lock
// shared): the first rename wins, the second finds the directory taken and
// uses the winner's layer.
#include "store/layer_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <vector>

#include "store/atomic_file.h"
#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/filesystem_sync.h"
#include "store/layout.h"
#include "store/pending_lock.h"
#include "store/random_name.h"
#include "store/tar_split.h"
#include "store/unwritten_page_cache.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

// Unwritten page cache under which one syncfs is the cheaper barrier for an
// unpacked layer: 1 MiB, about what ten records' fsyncs cost to write.
constexpr uint64_t kCheapSyncfsBytes = uint64_t{1} << 20;

void MakeDir(const fs::path& p, mode_t mode) {
  if (::mkdir(p.c_str(), mode) != 0) throw SysError("mkdir", p.string(), errno);
}

void RemoveTree(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw Error("cannot remove: " + ec.message(), p.string());
}

uint64_t ParseSize(const std::string& text, const fs::path& where) {
  if (text.empty()) throw Error("empty layer size", where.string());
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw Error("corrupt layer size \"" + text + "\"", where.string());
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// The digest string in a layerdb file, reported with the file's path if bad.
Digest ParseDigestFile(const fs::path& file) {
  std::string text = ReadFile(file);
  if (!Digest::IsValid(text)) throw Error("corrupt layer record \"" + text + "\"", file.string());
  return Digest::Parse(text);
}

}  // namespace

LayerStore::LayerStore(fs::path root) : root_(std::move(root)) {}

bool LayerStore::Exists(const Digest& chain_id) const {
  // layerdb/sha256/<chain>/diff appears with the rename that commits a layer.
  return PathExists(layout::LayerFile(root_, chain_id, layout::kLayerDiffFile));
}

std::optional<Layer> LayerStore::Get(const Digest& chain_id) const {
  fs::path dir = layout::LayerDir(root_, chain_id);
  auto diff = ReadFileIfExists(dir / layout::kLayerDiffFile);
  if (!diff) return std::nullopt;
  Layer l;
  l.chain_id = chain_id;
  if (!Digest::IsValid(*diff)) {
    throw Error("corrupt layer record \"" + *diff + "\"", (dir / layout::kLayerDiffFile).string());
  }
  l.diff_id = Digest::Parse(*diff);
  if (PathExists(dir / layout::kLayerParentFile)) l.parent = ParseDigestFile(dir / layout::kLayerParentFile);
  l.size = ParseSize(ReadFile(dir / layout::kLayerSizeFile), dir / layout::kLayerSizeFile);
  l.cache_id = ReadFile(dir / layout::kLayerCacheIdFile);
  if (!layout::IsCacheId(l.cache_id)) {
    throw Error("corrupt cache-id \"" + l.cache_id + "\"", (dir / layout::kLayerCacheIdFile).string());
  }
  l.link = ReadFileIfExists(layout::CacheLinkFile(root_, l.cache_id)).value_or("");
  l.diff_dir = layout::CacheDiff(root_, l.cache_id);
  return l;
}

std::optional<uint64_t> LayerStore::SizeOf(const Digest& chain_id) const {
  fs::path file = layout::LayerFile(root_, chain_id, layout::kLayerSizeFile);
  auto text = ReadFileIfExists(file);
  if (!text) return std::nullopt;
  return ParseSize(*text, file);
}

std::vector<Layer> LayerStore::Chain(const Digest& top_chain_id) const {
  std::vector<Layer> chain;
  std::optional<Digest> next = top_chain_id;
  while (next) {
    auto layer = Get(*next);
    if (!layer) throw Error("layer " + next->str() + " is not in the store");
    next = layer->parent;
    chain.push_back(std::move(*layer));
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::vector<fs::path> LayerStore::LowerDirs(const std::optional<Digest>& top) const {
  std::vector<fs::path> out;
  if (!top) return out;
  std::vector<Layer> chain = Chain(*top);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it->link.empty()) throw Error("layer has no link name", layout::CacheDir(root_, it->cache_id).string());
    out.push_back(layout::LinkPath(root_, it->link));
  }
  return out;
}

PendingLayer LayerStore::CreatePending() {
  PendingLayer p;
  p.cache_id = RandomHex(32);
  p.dir = layout::CacheDir(root_, p.cache_id);
  p.diff_dir = layout::CacheDiff(root_, p.cache_id);
  p.work_dir = layout::CacheWork(root_, p.cache_id);
  p.merged_dir = layout::CacheMerged(root_, p.cache_id);
  MakeDir(p.dir, 0710);
  try {
    LockPendingDir(p.cache_id, p.dir);
    MakeDir(p.diff_dir, 0755);
    MakeDir(p.work_dir, 0700);
  } catch (...) {
    UnlockPendingDir(p.cache_id);
    std::error_code ec;
    fs::remove_all(p.dir, ec);
    throw;
  }
  return p;
}

void LayerStore::RemoveLinkOf(const std::string& cache_id) {
  auto link = ReadFileIfExists(layout::CacheLinkFile(root_, cache_id));
  if (!link || !layout::IsLinkName(*link)) return;
  fs::path link_path = layout::LinkPath(root_, *link);
  std::error_code ec;
  if (fs::read_symlink(link_path, ec) == layout::LinkTarget(cache_id)) ::unlink(link_path.c_str());
}

void LayerStore::Discard(PendingLayer& pending) {
  if (pending.cache_id.empty()) return;
  RemoveTree(layout::LayerStaging(root_, pending.cache_id));
  RemoveLinkOf(pending.cache_id);
  RemoveTree(pending.dir);
  UnlockPendingDir(pending.cache_id);
  pending = PendingLayer{};
}

std::optional<PreparedLayer> LayerStore::Prepare(PendingLayer& pending, const LayerTarOptions& options) {
  try {
    fs::path staging = layout::LayerStaging(root_, pending.cache_id);
    MakeDir(staging, 0700);
    // The files reach the disk while the tar stream is hashed (the builder's
    // overlay mounts are volatile and skip the sync at unmount); the layer
    // is registered only after both.
    FilesystemSync sync(pending.diff_dir);
    TarSplitWriter split(staging / layout::kLayerTarSplitFile);
    LayerTarResult tar = WriteLayerTar(pending.diff_dir, nullptr, &split, options);
    split.Close();
    sync.Wait();
    if (tar.diff_id.str() == kEmptyLayerDiffId) {
      Discard(pending);
      return std::nullopt;
    }
    return PreparedLayer{tar.diff_id, tar.content_size, true};
  } catch (...) {
    Discard(pending);
    throw;
  }
}

Layer LayerStore::Finish(PendingLayer& pending, const PreparedLayer& prepared, const std::optional<Digest>& parent) {
  try {
    return Publish(pending, prepared, parent);
  } catch (...) {
    Discard(pending);
    throw;
  }
}

std::optional<Layer> LayerStore::Commit(PendingLayer& pending, const std::optional<Digest>& parent,
                                        const LayerTarOptions& options) {
  if (parent && !Exists(*parent)) {
    Discard(pending);
    throw Error("parent layer " + parent->str() + " is not in the store");
  }
  std::optional<PreparedLayer> prepared = Prepare(pending, options);
  if (!prepared) return std::nullopt;
  return Finish(pending, *prepared, parent);
}

PreparedLayer LayerStore::Unpack(PendingLayer& pending, ByteSource& tar, const std::string& what) {
  try {
    fs::path staging = layout::LayerStaging(root_, pending.cache_id);
    MakeDir(staging, 0700);
    TarSplitWriter split(staging / layout::kLayerTarSplitFile);
    LayerTarResult applied = ApplyLayerTar(tar, pending.diff_dir, &split, what);
    split.Close();
    return PreparedLayer{applied.diff_id, applied.content_size};
  } catch (...) {
    Discard(pending);
    throw;
  }
}

Layer LayerStore::Register(ByteSource& tar, const std::optional<Digest>& parent,
                           const std::optional<Digest>& expected_diff_id, const std::string& what) {
  if (parent && !Get(*parent)) throw Error("parent layer " + parent->str() + " is not in the store", what);
  PendingLayer pending = CreatePending();
  PreparedLayer applied = Unpack(pending, tar, what);
  try {
    if (expected_diff_id && applied.diff_id != *expected_diff_id) {
      throw Error("layer digest mismatch: expected " + expected_diff_id->str() + ", got " + applied.diff_id.str(),
                  what);
    }
    return Publish(pending, applied, parent);
  } catch (...) {
    Discard(pending);
    throw;
  }
}

Layer LayerStore::Publish(PendingLayer& pending, const PreparedLayer& prepared, const std::optional<Digest>& parent) {
  const Digest& diff_id = prepared.diff_id;
  const uint64_t size = prepared.size;
  Digest chain_id = NextChainId(parent, diff_id);
  if (auto existing = Get(chain_id)) {
    Discard(pending);
    return *existing;
  }
  const std::string cache_id = pending.cache_id;
  fs::path staging = layout::LayerStaging(root_, cache_id);
  // Every record file, for the barrier below; tar-split was written by the caller.
  std::vector<fs::path> records{staging / layout::kLayerTarSplitFile};
  auto write_record = [&records](const fs::path& path, std::string_view bytes) {
    WriteFileInPlace(path, bytes);
    records.push_back(path);
  };
  write_record(staging / layout::kLayerDiffFile, diff_id.str());
  write_record(staging / layout::kLayerSizeFile, std::to_string(size));
  write_record(staging / layout::kLayerCacheIdFile, cache_id);
  std::optional<Layer> parent_layer;
  if (parent) {
    parent_layer = Get(*parent);
    if (!parent_layer) throw Error("parent layer " + parent->str() + " is not in the store");
    write_record(staging / layout::kLayerParentFile, parent->str());
  }

  std::string link;
  for (;;) {
    link = RandomLinkName();
    // The link file before the symlink: the sweep finds symlinks through it.
    WriteFileInPlace(layout::CacheLinkFile(root_, cache_id), link);
    fs::path link_path = layout::LinkPath(root_, link);
    if (::symlink(layout::LinkTarget(cache_id).c_str(), link_path.c_str()) == 0) break;
    // EEXIST: another process took the name since it was drawn.
    if (errno != EEXIST) throw SysError("symlink", link_path.string(), errno);
  }
  records.push_back(layout::CacheLinkFile(root_, cache_id));
  if (parent_layer) {
    std::string lower = "l/" + parent_layer->link;
    if (auto below = ReadFileIfExists(layout::CacheLowerFile(root_, parent_layer->cache_id))) lower += ":" + *below;
    write_record(layout::CacheLowerFile(root_, cache_id), lower);
  } else {
    // Docker keeps no workdir for a base layer: nothing is ever mounted with it as upper.
    RemoveTree(pending.work_dir);
  }
  // The layer's barrier (atomic_file.h): what the rename below names
  // reaches the disk first. A built layer's files were synced while it was
  // hashed, so one syncfs finds little else to write. An unpacked layer's
  // files are not synced, as Docker does not sync what it pulls: a syncfs
  // would wait for all of them (128 MiB of a pulled layer made a cached
  // build 1.7x slower), so only its records are, written first and then
  // synced one by one — unless little is unwritten machine-wide (a small
  // layer on a quiet disk): then one syncfs writes no more, in one flush
  // instead of ten (on this VM's virtio disk, 0.4 ms against 1.5 ms).
  const std::optional<uint64_t> unwritten = prepared.files_synced ? std::nullopt : UnwrittenPageCacheBytes();
  if (prepared.files_synced || (unwritten && *unwritten <= kCheapSyncfsBytes)) {
    SyncFilesystem(root_);
  } else {
    for (const fs::path& record : records) FsyncPath(record);
    FsyncDir(staging);
    FsyncDir(layout::LinkDir(root_));
    FsyncDir(pending.dir);
  }

  fs::path final_dir = layout::LayerDir(root_, chain_id);
  if (::rename(staging.c_str(), final_dir.c_str()) != 0) {
    // A non-empty directory is there: another process registered this chain_id first.
    if (errno != ENOTEMPTY && errno != EEXIST) throw SysError("rename", staging.string(), errno);
    Discard(pending);
    auto winner = Get(chain_id);
    if (!winner) throw Error("layer vanished right after its registration", final_dir.string());
    return *winner;
  }
  // Registered now: a failure from here on must not discard the directory.
  // The rename is on disk before an image can name the layer; a marker
  // lost to a power loss is restored by recovery, which finds the cache id
  // named by the layerdb.
  FsyncDir(layout::LayerDbDir(root_));
  PendingLayer done = pending;
  pending = PendingLayer{};
  WriteFileInPlace(layout::CacheCommittedFile(root_, done.cache_id), "");
  UnlockPendingDir(done.cache_id);
  auto layer = Get(chain_id);
  if (!layer) throw Error("layer vanished right after commit", final_dir.string());
  return *layer;
}

void LayerStore::WriteTar(const Layer& layer, ByteSink& out) const {
  fs::path split = layout::LayerFile(root_, layer.chain_id, layout::kLayerTarSplitFile);
  // The diff_id check below covers every byte, so the per-file crc64 pass is skipped.
  Digest got = ReplayTarSplit(split, layer.diff_dir, out, /*check_crc=*/false);
  if (got != layer.diff_id) {
    throw Error("layer " + layer.chain_id.str() + " no longer matches its diff_id: replay gives " + got.str() +
                    ", want " + layer.diff_id.str() + " (files under the diff directory changed)",
                layer.diff_dir.string());
  }
}

void LayerStore::Remove(const std::vector<Digest>& chain_ids) {
  // Unregister all, children first, then one barrier: a power loss before
  // it takes back only renames, and files are whole; should it keep a
  // child's rename but not its parent's, recovery removes the child, which
  // can have no image (RemoveLeftovers). After it, nothing names the files.
  std::vector<Layer> doomed;
  for (const Digest& chain_id : chain_ids) {
    std::optional<Layer> layer = Get(chain_id);
    if (!layer) continue;
    fs::path removal = layout::LayerRemoval(root_, chain_id);
    RemoveTree(removal);
    fs::path dir = layout::LayerDir(root_, chain_id);
    if (::rename(dir.c_str(), removal.c_str()) != 0) throw SysError("rename", dir.string(), errno);
    doomed.push_back(std::move(*layer));
  }
  if (doomed.empty()) return;
  FsyncDir(layout::LayerDbDir(root_));
  for (const Layer& layer : doomed) {
    if (!layer.link.empty()) {
      fs::path link = layout::LinkPath(root_, layer.link);
      if (::unlink(link.c_str()) != 0 && errno != ENOENT) throw SysError("unlink", link.string(), errno);
    }
    RemoveTree(layout::CacheDir(root_, layer.cache_id));
    RemoveTree(layout::LayerRemoval(root_, layer.chain_id));
  }
}

std::vector<Digest> LayerStore::List() const {
  std::vector<Digest> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout::LayerDbDir(root_), ec)) {
    std::string name = entry.path().filename().string();
    if (layout::IsCacheId(name)) out.push_back(Digest::FromHex(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ubuild::store
