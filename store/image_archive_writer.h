#pragma once
// `ubuild save`: images -> one uncompressed tar that `docker load` (20.10
// and >= 25), skopeo's docker-archive: and OCI layout readers accept
// (design.md §7). Layout, in this fixed order:
//
//   oci-layout              {"imageLayoutVersion": "1.0.0"}
//   index.json              OCI index, one manifest descriptor per tag
//                           (io.containerd.image.name + ...ref.name), or one
//                           without names for an untagged image
//   manifest.json           Docker's [{"Config","RepoTags","Layers"}] + "\n"
//   repositories            legacy {"name":{"tag":"<top diff_id hex>"}} + "\n"
//   blobs/  blobs/sha256/
//   blobs/sha256/<hex>      per image: config, OCI manifest, then layers
//                           bottom to top; a blob shared by images once
//
// The metadata comes first so that a reader of a non-seekable stream (our
// own `ubuild load`) knows every layer's place in its chain when the
// layer's bytes arrive, and can apply it without spooling. Layers are
// uncompressed, streamed from the store (tar-split replay), and their
// digests are checked against the config's diff_ids as they are written.
// Same images and tags in the same order => byte-identical archive.
#include <string>
#include <vector>

#include "store/base/progress_sink.h"
#include "store/byte_stream.h"
#include "store/digest.h"

namespace ubuild::store {

class Store;

struct ImageToSave {
  Digest id;
  std::vector<std::string> tags;  // familiar "name:tag", as the reference store keeps them
};

// Throws ubuild::Error on any failure; `out` then holds a partial archive
// the caller must discard.
// `expected` (nullable) is told the archive's size once it is planned.
void WriteImageArchive(const Store& store, const std::vector<ImageToSave>& images, ByteSink& out,
                       ByteCounter* expected = nullptr);

}  // namespace ubuild::store
