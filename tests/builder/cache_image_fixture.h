#pragma once
// Shared by the tests of images as cache: digests spelled by one letter and
// history entries with a fixed time.
#include <string>

#include "store/digest.h"
#include "store/image_config.h"

namespace ubuild::testing {

inline store::Digest D(char c) { return store::Digest::Parse("sha256:" + std::string(64, c)); }

inline store::HistoryEntry Entry(const std::string& created_by, bool empty_layer) {
  store::HistoryEntry h;
  h.created = "2024-01-02T03:04:05Z";
  h.created_by = created_by;
  h.empty_layer = empty_layer;
  return h;
}

}  // namespace ubuild::testing
