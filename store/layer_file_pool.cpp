#include "store/layer_file_pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "store/base/error.h"
#include "store/base/interrupt_free_thread.h"
#include "store/byte_stream.h"

namespace ubuild::store {

unsigned LayerFilePool::DefaultThreads() {
  // Beyond a few threads the directory and inode locks of the filesystem,
  // not the cores, set the pace.
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

LayerFilePool::LayerFilePool(unsigned threads, size_t max_files, size_t max_bytes)
    : threads_wanted_(std::max(threads, 1u)), max_files_(std::max<size_t>(max_files, 1)), max_bytes_(max_bytes) {}

LayerFilePool::~LayerFilePool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void LayerFilePool::RethrowLocked() {
  if (error_) std::rethrow_exception(error_);
}

void LayerFilePool::Add(File file) {
  if (threads_.empty()) {
    writing_in_.assign(threads_wanted_, nullptr);
    for (unsigned i = 0; i < threads_wanted_; ++i) threads_.push_back(InterruptFreeThread([this, i] { Work(i); }));
  }
  std::unique_lock<std::mutex> lock(mu_);
  // A file larger than the whole budget still goes, alone.
  auto room = [&] {
    return queue_.empty() || (queue_.size() < max_files_ && queued_bytes_ + file.data.size() <= max_bytes_);
  };
  if (!error_ && !room()) {
    // Back once the queue is half empty, not at each file written: a
    // thread switch per file would cost as much as the file.
    adder_waiting_ = true;
    done_.wait(lock, [&] { return error_ || (Drained() && room()) || queue_.empty(); });
    adder_waiting_ = false;
  }
  RethrowLocked();
  queued_bytes_ += file.data.size();
  queue_.push_back(std::move(file));
  lock.unlock();
  work_.notify_one();
}

void LayerFilePool::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  settler_waiting_ = true;
  done_.wait(lock, [&] { return error_ || (queue_.empty() && busy_ == 0); });
  settler_waiting_ = false;
  RethrowLocked();
}

std::deque<LayerFilePool::File>::iterator LayerFilePool::NextFor(unsigned self) {
  // Creating a file holds its directory's lock; a second thread creating
  // in the same directory only spins on that lock (for long on this VM's
  // ext4, whose inode allocation can take milliseconds). A layer's files
  // come directory by directory, so a file of the next one is usually near.
  constexpr ptrdiff_t kLookAhead = 256;
  const auto end = queue_.size() > kLookAhead ? queue_.begin() + kLookAhead : queue_.end();
  for (auto it = queue_.begin(); it != end; ++it) {
    bool taken = false;
    for (unsigned t = 0; t < writing_in_.size(); ++t) taken = taken || (t != self && writing_in_[t] == it->parent.get());
    if (!taken) return it;
  }
  return queue_.begin();
}

void LayerFilePool::Work(unsigned self) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    const auto next = NextFor(self);
    File file = std::move(*next);
    queue_.erase(next);
    writing_in_[self] = file.parent.get();
    queued_bytes_ -= file.data.size();
    ++busy_;
    lock.unlock();
    std::exception_ptr failed;
    try {
      WriteLayerFile(file);
    } catch (...) {
      failed = std::current_exception();
    }
    file = File{};  // its data freed outside the lock
    lock.lock();
    writing_in_[self] = nullptr;
    --busy_;
    if (failed && !error_) error_ = failed;
    const bool idle = queue_.empty() && busy_ == 0;
    if (failed || (adder_waiting_ && (Drained() || queue_.empty())) || (settler_waiting_ && idle)) {
      done_.notify_all();
    }
  }
}

void WriteLayerFile(const LayerFilePool::File& file) {
  constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  Fd fd(::openat(file.parent->get(), file.name.c_str(), kCreate, file.create_mode));
  if (!fd.valid()) throw SysError("create", file.path, errno);
  FdSink(fd.get(), file.path).Write(file.data.data(), file.data.size());
  ApplyEntryMetadata(file.meta, file.path, fd.get(), false, true);
  fd.Close(file.path);
}

}  // namespace ubuild::store
