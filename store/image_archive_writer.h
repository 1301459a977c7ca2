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
// uncompressed unless a LayerBlobEncoder is given, streamed from the store
// (tar-split replay), and their digests are checked against the config's
// diff_ids as they are written. A compressed layer is the blob of its
// compressed digest (media type ...tar+gzip / ...tar+zstd in the OCI
// manifest; manifest.json's Layers name the same blob, which `docker load`
// decompresses: gzip since always, zstd from Docker 23 on).
// Same images, tags and encoder in the same order => byte-identical archive.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/progress_sink.h"
#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/layer_store.h"

namespace ubuild::store {

class Store;

struct ImageToSave {
  Digest id;
  std::vector<std::string> tags;  // familiar "name:tag", as the reference store keeps them
};

// A layer's blob in an encoding other than its plain tar, made before the
// archive is written: the OCI manifest needs the blob's digest and the tar
// header its size before the first byte of either. The compressors live in
// store/registry, above this room, so the caller brings the encoding.
struct EncodedLayerBlob {
  Digest digest;
  uint64_t size = 0;
  std::unique_ptr<ByteSource> bytes;  // exactly `size` bytes, read once
};

class LayerBlobEncoder {
 public:
  virtual ~LayerBlobEncoder() = default;
  virtual std::string_view OciMediaType() const = 0;
  // The same layer must give the same bytes every time: the archive is
  // reproducible only if its encoding is.
  virtual EncodedLayerBlob Encode(const Layer& layer) = 0;
};

// Throws ubuild::Error on any failure; `out` then holds a partial archive
// the caller must discard.
// `expected` (nullable) is told the archive's size once it is planned.
// `encoder` (nullable) encodes every layer once (plain tars when null).
void WriteImageArchive(const Store& store, const std::vector<ImageToSave>& images, ByteSink& out,
                       ByteCounter* expected = nullptr, LayerBlobEncoder* encoder = nullptr);

}  // namespace ubuild::store
