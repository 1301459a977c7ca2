#pragma once
// Threads that create a layer's small regular files while the tar is still
// being read. Unpacking a layer of many small files is file creation in the
// kernel, one file after the other (20,000 files: half a second here); the
// tar can only be read in order, but the files, once read, can be made side
// by side. The applier keeps the order where it matters: it waits for the
// pool (Wait) before anything that could touch a file still queued.
#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/base/fd.h"
#include "store/layer_entry_metadata.h"

namespace ubuild::store {

class LayerFilePool {
 public:
  // A regular file to create, under a name that is free, in an open directory.
  struct File {
    std::shared_ptr<const Fd> parent;
    std::string name;  // within parent
    std::string path;  // for errors
    mode_t create_mode = 0600;
    EntryMetadata meta;
    std::string data;
  };

  // Threads for a machine's cores, none fewer than one.
  static unsigned DefaultThreads();

  // `threads` start with the first Add. Up to `max_files` files and
  // `max_bytes` of their data wait in the queue; Add blocks beyond.
  explicit LayerFilePool(unsigned threads, size_t max_files = 1024, size_t max_bytes = 8u << 20);
  ~LayerFilePool();  // drops what is still queued and joins
  LayerFilePool(const LayerFilePool&) = delete;
  LayerFilePool& operator=(const LayerFilePool&) = delete;

  // Rethrows the first error a thread met, as Wait does.
  void Add(File file);
  // Returns once every file added so far is written and closed.
  void Wait();

 private:
  void Work(unsigned self);
  // The queued file thread `self` should write next.
  std::deque<File>::iterator NextFor(unsigned self);
  void RethrowLocked();
  bool Drained() const { return queue_.size() <= max_files_ / 2 && queued_bytes_ <= max_bytes_ / 2; }

  const unsigned threads_wanted_;
  const size_t max_files_;
  const size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable work_;   // a file queued, or stopping
  std::condition_variable done_;   // a file written, or an error
  std::deque<File> queue_;
  size_t queued_bytes_ = 0;
  size_t busy_ = 0;
  bool stop_ = false;
  bool adder_waiting_ = false;    // Add blocked on a full queue
  bool settler_waiting_ = false;  // Wait for the queue to be done
  std::exception_ptr error_;
  std::vector<const Fd*> writing_in_;  // per thread: the directory of its file, or null
  std::vector<std::thread> threads_;
};

// Creates and writes one queued file: what a pool thread does with it.
void WriteLayerFile(const LayerFilePool::File& file);

}  // namespace ubuild::store
