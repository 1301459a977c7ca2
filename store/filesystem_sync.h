#pragma once
// syncfs(2) of the filesystem holding a path, run on its own thread so the
// writeback overlaps other work (a layer's files reach the disk while its
// tar stream is hashed). Wait() joins and throws if the sync failed.
#include <filesystem>
#include <thread>

#include "store/base/fd.h"

namespace ubuild::store {

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
