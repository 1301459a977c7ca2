#pragma once
// Undo log of one `ubuild load`: the layers and images it added and the
// tags it moved. Unless Commit() is called, the destructor puts the store
// back as it was — tags first, then images, then layers newest first — so
// a load that fails half way leaves nothing behind.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/digest.h"

namespace ubuild::store {

class Store;

class LoadTransaction {
 public:
  explicit LoadTransaction(Store& store) : store_(store) {}
  ~LoadTransaction();
  LoadTransaction(const LoadTransaction&) = delete;
  LoadTransaction& operator=(const LoadTransaction&) = delete;

  void LayerAdded(const Digest& chain_id) { layers_.push_back(chain_id); }
  void ImageAdded(const Digest& id) { images_.push_back(id); }
  // Tags `ref` (normalized) with `id`, remembering what it named before.
  void Tag(const std::string& ref, const Digest& id);
  void Commit() { committed_ = true; }

 private:
  void Rollback() noexcept;

  Store& store_;
  bool committed_ = false;
  std::vector<Digest> layers_;
  std::vector<Digest> images_;
  std::vector<std::pair<std::string, std::optional<Digest>>> tags_;
};

}  // namespace ubuild::store
