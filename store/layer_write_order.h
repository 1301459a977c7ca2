#pragma once
// Which of a layer's files the applier may hand to its LayerFilePool, and
// when it must wait for the pool. The tar's order is the layer's meaning: a
// later entry replaces an earlier one with its name, a hard link needs its
// target, a whiteout removes, a file cannot be a parent. Since the diff dir
// starts empty, a name can only be taken if an earlier entry (or a parent
// made for one) had it; so every name is remembered, and anything that
// meets a remembered name waits for the pool first (Settle).
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "store/layer_file_pool.h"

namespace ubuild::store {

class LayerWriteOrder {
 public:
  LayerWriteOrder();

  // Remembers `path`; whether an earlier entry (or a parent made for one)
  // had it already. One hash and one lookup per entry.
  bool Remember(const std::string& path) { return !seen_.insert(Key(path)).second; }
  // Whether a regular file of `size` bytes at a name not seen before goes
  // to the pool rather than being written at once.
  bool Pools(int64_t size);
  void Queue(LayerFilePool::File file);
  // Whether `path` is a file queued since the last Settle: one that may not
  // be there yet.
  bool Queued(const std::string& path) const { return !queued_.empty() && queued_.count(Key(path)) != 0; }
  // Every queued file written; rethrows the pool's first error.
  void Settle();

 private:
  // A hash stands for the path: a collision only costs a Settle, and a
  // layer of a million files keeps a few bytes per name.
  static size_t Key(const std::string& path) { return std::hash<std::string>{}(path); }

  std::unordered_set<size_t> seen_;
  std::unordered_set<size_t> queued_;
  size_t regular_files_ = 0;
  LayerFilePool pool_;  // last: its threads stop before the sets go
};

}  // namespace ubuild::store
