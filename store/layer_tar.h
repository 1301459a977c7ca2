#pragma once
// A layer's diff directory (overlay upperdir format) <-> an OCI layer tar.
// design.md §4-§5 are the rules. Both directions record tar-split
// (tar_split.h) so the exact bytes can be reproduced later.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "store/base/progress_sink.h"
#include "store/byte_stream.h"
#include "store/digest.h"

namespace ubuild::store {

class TarSplitWriter;

struct LayerTarOptions {
  std::optional<int64_t> clamp_mtime;  // SOURCE_DATE_EPOCH: mtimes later than this become this
  ByteCounter* bytes = nullptr;        // advanced by each file's content (the display's counter)
};

struct LayerTarResult {
  Digest diff_id;            // sha256 of the tar bytes
  // The layerdb "size", as Docker's overlay2 driver measures a diff dir:
  // regular-file bytes (a hard-linked file once) plus each symlink's target length.
  uint64_t content_size = 0;
  uint64_t tar_size = 0;     // bytes of the tar stream
};

// Writes the tar of `diff_dir` to `out` (nullptr: hash only) in one pass.
// Entries sorted (parents first, then name bytes), no 10 KiB record padding
// (an empty dir gives 1024 zero bytes = kEmptyLayerDiffId).
// `split` (nullable) receives the tar-split record of the stream.
LayerTarResult WriteLayerTar(const std::filesystem::path& diff_dir, ByteSink* out,
                             TarSplitWriter* split, const LayerTarOptions& options = {});

// Unpacks a layer tar into an empty `diff_dir`, turning whiteouts into the
// upperdir format. Rejects entries escaping the directory. Returns the digest
// of the bytes read (caller compares with the expected diff_id). `what` names
// the stream in errors ("layer sha256:… of busybox.tar").
LayerTarResult ApplyLayerTar(ByteSource& in, const std::filesystem::path& diff_dir,
                             TarSplitWriter* split, const std::string& what);

}  // namespace ubuild::store
