#pragma once
// The rows of `ubuild history`, as `docker history` computes them: one per
// entry of the config's history, newest first. The newest row gets the image
// id, the one below it the parent image's, and so on while the parent chain
// lasts; the rest have no id (<missing>).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

class Store;

struct ImageHistoryRow {
  std::optional<Digest> id;
  std::string created, created_by, comment;
  uint64_t size = 0;  // of the layer the entry made; 0 for empty_layer entries
};

// Throws ubuild::Error if the config names more non-empty layers than diff_ids.
std::vector<ImageHistoryRow> ImageHistory(const Store& store, const Digest& id);

}  // namespace ubuild::store
