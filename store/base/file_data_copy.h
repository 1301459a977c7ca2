#pragma once
// A regular file's bytes from one descriptor to another: COPY's copier and
// the --link rebase's fallback share this one loop. Large files go through
// copy_file_range (in the kernel, a reflink where the filesystem has them);
// small ones, and pairs of filesystems the call cannot join, through one
// user-space buffer.
#include <sys/types.h>

#include <atomic>
#include <string>

namespace ubuild {

struct FileDataCopyOptions {
  // Shared by the copies between one pair of filesystems: cleared the first
  // time copy_file_range refuses them (EXDEV, EINVAL, ...), so later files
  // go straight to read/write. Null: both ends are on one filesystem that
  // must take the call, and a refusal is an error.
  std::atomic<bool>* try_copy_file_range = nullptr;
  // A source with fewer than `size` bytes: an error (the copy must be the
  // file the caller stat'ed), else the copy stops short, as the tar header
  // written from the same stat decides what a reader takes.
  bool short_is_error = false;
};

// Copies `size` bytes of `in` to `out` from their current offsets. `what`
// names the file in errors.
void CopyFileData(int in, int out, off_t size, const std::string& what, const FileDataCopyOptions& options);

}  // namespace ubuild
