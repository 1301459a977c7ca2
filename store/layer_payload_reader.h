#pragma once
// The data of one layer tar entry, read off the archive in order: checked
// against its header's size, checksummed into the tar-split record (which
// names payloads rather than keeping them) and counted into the layer's
// size, on its way to a file, to memory, or nowhere.
#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/layer_tar_tee.h"
#include "store/tar_split.h"

namespace ubuild::store {

class LayerPayloadReader {
 public:
  // `what` names the stream in errors, as ApplyLayerTar's does.
  LayerPayloadReader(struct archive* a, LayerTarTee& tee, TarSplitWriter* split, const std::string& what);

  // A regular file's data: written to `fd` (path for errors) when it is
  // open, appended to `keep` when given.
  void Read(const std::string& entry, struct archive_entry* e, int fd, const std::string& path,
            std::string* keep = nullptr);
  // An entry's data consumed without being written (tar-split still
  // records it); `is_regular`: counted as file data.
  void Skip(const std::string& entry, struct archive_entry* e, bool is_regular);

  // Regular-file bytes read so far: the layer's size before symlinks.
  uint64_t content_size() const { return content_size_; }

 private:
  [[noreturn]] void Reject(const std::string& entry, const std::string& why) const;

  struct archive* a_;
  LayerTarTee& tee_;
  TarSplitWriter* split_;
  const std::string& what_;
  std::vector<char> buffer_;
  uint64_t content_size_ = 0;
};

}  // namespace ubuild::store
