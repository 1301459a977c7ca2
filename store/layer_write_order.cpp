#include "store/layer_write_order.h"

#include <utility>

namespace ubuild::store {

namespace {

// Files up to this size go to the pool; a larger one is written by the
// reader, straight from the tar, rather than held in memory.
constexpr int64_t kPooledFileMax = 1 << 20;
// The first files are written by the reader: a layer of a few files (most
// RUN steps') starts no threads.
constexpr size_t kFilesBeforePool = 32;

}  // namespace

LayerWriteOrder::LayerWriteOrder() : pool_(LayerFilePool::DefaultThreads()) {}

bool LayerWriteOrder::Pools(int64_t size) { return ++regular_files_ > kFilesBeforePool && size <= kPooledFileMax; }

void LayerWriteOrder::Queue(LayerFilePool::File file) {
  queued_.insert(Key(file.path));
  pool_.Add(std::move(file));
}

void LayerWriteOrder::Settle() {
  pool_.Wait();
  queued_.clear();
}

}  // namespace ubuild::store
