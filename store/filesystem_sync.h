#pragma once
// syncfs(2) of the filesystem holding a path, run on its own thread so the
// writeback overlaps other work (a layer's files reach the disk while its
// tar stream is hashed). Wait() joins and throws if the sync failed.
#include <filesystem>
#include <thread>

#include "store/base/fd.h"

namespace ubuild::store {

// syncfs(2) of the filesystem holding `any_path`, on this thread: the
// store's one durability barrier (atomic_file.h has the rule). One call
// costs about what one fsync does on ext4, and replaces a dozen of them.
void SyncFilesystem(const std::filesystem::path& any_path);

class FilesystemSync {
 public:
  explicit FilesystemSync(const std::filesystem::path& any_path);
  ~FilesystemSync();  // joins; a failure not waited for is dropped
  FilesystemSync(const FilesystemSync&) = delete;
  FilesystemSync& operator=(const FilesystemSync&) = delete;

  void Wait();  // throws ubuild::Error

 private:
  std::filesystem::path path_;
  Fd fd_;
  int error_ = 0;
  std::thread thread_;
};

}  // namespace ubuild::store
