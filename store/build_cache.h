#pragma once
// The build cache index (design.md §9): a step's cache key -> the image the
// step produced. Keys are digests the builder computes from the parent image,
// the expanded instruction, the build args in effect and, for COPY/ADD, the
// source content. Entries live in image/overlay2/buildcache/<key-hex>, each
// holding an image id; an entry whose image is gone is a miss.
#include <cstddef>
#include <filesystem>
#include <optional>

#include "store/digest.h"
#include "store/image_store.h"

namespace ubuild::store {

class BuildCache {
 public:
  BuildCache(std::filesystem::path root, const ImageStore& images);
  std::optional<Digest> Lookup(const Digest& key) const;
  void Record(const Digest& key, const Digest& image_id);
  // Removes the entries whose image is gone (and torn ones), which Lookup
  // would only ever miss on; returns how many went. For prune, under the
  // store's exclusive lock.
  size_t RemoveDangling();

 private:
  std::filesystem::path root_;
  const ImageStore& images_;
};

}  // namespace ubuild::store
