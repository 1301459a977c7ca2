#pragma once
// The build cache index (design.md §9): a step's cache key -> the image the
// step produced. Keys are digests the builder computes from the parent image,
// the expanded instruction, the build args in effect and, for COPY/ADD, the
// source content. Entries live in image/overlay2/buildcache/<key-hex>, each
// holding an image id; an entry whose image is gone is a miss.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/digest.h"
#include "store/image_store.h"

namespace ubuild::store {

// A config-only step's image is not stored (it is a pure function of its
// parent's config, the instruction and the time it was made): its entry
// holds the id and that time, and a hit rebuilds the config and checks that
// it hashes to the id. These entries are lines of one append-only file,
// buildcache/config-steps ("<key-hex> <image-id> <created>"): a file per
// step made a long Dockerfile spend most of its time creating files.
struct UnstoredStep {
  Digest image_id;
  std::string created;
};

class BuildCache {
 public:
  BuildCache(std::filesystem::path root, const ImageStore& images);
  std::optional<Digest> Lookup(const Digest& key) const;
  void Record(const Digest& key, const Digest& image_id);
  // Removes the entries whose image is gone (and torn ones), which Lookup
  // would only ever miss on; returns how many went. For prune, under the
  // store's exclusive lock.
  size_t RemoveDangling();
  // Removes every record (step entries, the config-steps log, the context
  // digest cache): the next build misses on every step, images stay.
  // Returns the bytes freed. For `builder prune`, under the exclusive lock,
  // after RemoveUnusedCacheMounts (cache_mount_use.h): the RUN cache mounts
  // left then are in use, and stay.
  uint64_t RemoveAll();
  std::optional<UnstoredStep> LookupUnstored(const Digest& key);
  void RecordUnstored(const Digest& key, const UnstoredStep& step);

 private:
  std::filesystem::path root_;
  const ImageStore& images_;
  // The config-steps file as read at the first lookup, plus what this
  // build added; later lines win.
  std::optional<std::unordered_map<std::string, UnstoredStep>> unstored_;
};

}  // namespace ubuild::store
