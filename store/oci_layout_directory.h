#pragma once
// An OCI image layout directory (oci-layout, index.json, blobs/sha256/),
// as skopeo's oci:DIR and umoci write it, read for `ubuild load -i DIR`.
// Files are opened beneath the directory (openat2 RESOLVE_BENEATH): a
// symlink in a layout from elsewhere cannot make load read a host file;
// only regular files are read, so a FIFO cannot stall it.
#include <filesystem>
#include <string>

#include "store/archive_image_plan.h"
#include "store/base/fd.h"

namespace ubuild::store {

class OciLayoutDirectory : public LayoutFiles {
 public:
  // Throws when `dir` is not a directory that can be read.
  explicit OciLayoutDirectory(const std::filesystem::path& dir);

  std::optional<uint64_t> Size(const std::string& path) const override;
  std::string ReadString(const std::string& path) const override;
  std::unique_ptr<ByteSource> Open(const std::string& path) const override;

 private:
  // The regular file at `path`; an invalid Fd when there is none.
  Fd OpenFile(const std::string& path) const;

  std::filesystem::path dir_;
  Fd dir_fd_;
};

}  // namespace ubuild::store
