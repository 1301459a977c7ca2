#pragma once
// `push`: an image of the store to a registry, as `docker push` does it.
// Each layer is offered by the blob digest the store last saw it under in
// this registry (no compression needed): HEAD skips a blob the repository
// has, a cross-repository mount takes it from a sibling repository; other
// layers are compressed (gzip unless told) and uploaded at once with a
// streamed PATCH (blob_upload.h), up to five layers at a time. A registry
// that refuses the streamed PATCH gets each layer compressed into a
// temporary file, hashed, and uploaded whole with POST then PUT. The config
// follows, then the Docker schema2 manifest, whose Docker-Content-Digest
// must be the digest of its bytes.
#include <functional>
#include <string>

#include "store/base/progress_sink.h"
#include "store/digest.h"
#include "store/registry/image_reference.h"
#include "store/registry/layer_compression.h"

namespace ubuild::store {
class Store;
}

namespace ubuild::store::registry {

struct PushOptions {
  // docker push's lines ("<id>: Pushed"), one call per line, serialised.
  std::function<void(const std::string&)> progress;
  ProgressSink* sink = nullptr;  // each layer's upload as a byte-counted task (the live display)
  // How layers are compressed. Unless `force_compression`, a blob the
  // registry already has for a layer is reused whatever its compression.
  LayerCompression compression;
  bool force_compression = false;
};

struct PushResult {
  Digest manifest_digest;
  size_t manifest_size = 0;
};

// `ref` must have a tag; the local image is the store's FamiliarName:tag.
PushResult PushImage(Store& store, const ImageReference& ref, const PushOptions& options);

}  // namespace ubuild::store::registry
