#pragma once
// The rows of `ubuild images`, computed as `docker images` does: one row per
// tag, untagged images as <none>:<none>, intermediate build steps hidden
// unless asked for, newest first.
#include <cstdint>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

class Store;

struct ImageListingFilter {
  // Empty: every image. Otherwise only tags of this repository (and of
  // `tag` when that is set); untagged images never match.
  std::string repository, tag;
  bool all = false;  // also list untagged images that have children

  // "name" or "name:tag" as the user wrote it.
  static ImageListingFilter FromReference(const std::string& ref);
};

struct ImageListingRow {
  std::string repository, tag;
  Digest id;
  std::string created;  // the config's RFC 3339 text
  int64_t created_unix = 0;
  uint64_t size = 0;
};

std::vector<ImageListingRow> ListImages(const Store& store, const ImageListingFilter& filter);

}  // namespace ubuild::store
