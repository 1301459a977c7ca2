#pragma once
// `pull`: a registry image into the store, as `docker pull` does it. The
// manifest (an index is resolved to the wanted platform) and config are
// fetched and checked against their digests; the missing layers are
// downloaded and unpacked several at once, each in one pass that checks
// the blob's digest and the config's diff_id as it streams
// (layer_fetch.h); only when every layer has passed are they registered,
// bottom to top, and the image, its tag and its RepoDigest recorded. A
// failure leaves the store as it was.
#include <functional>
#include <string>

#include "store/base/progress_sink.h"
#include "store/digest.h"
#include "store/registry/image_reference.h"
#include "store/registry/platform.h"

namespace ubuild::store {
class Store;
}

namespace ubuild::store::registry {

struct PullOptions {
  Platform platform = Platform::Host();
  // Docker's progress lines ("<id>: Pull complete"), one call per line;
  // called from the download threads too, one at a time.
  std::function<void(const std::string&)> progress;
  ProgressSink* sink = nullptr;  // each layer's download as a byte-counted task (the live display)
};

struct PullResult {
  Digest image_id;
  Digest manifest_digest;  // the RepoDigest: of the index when there is one
  bool new_image = false;  // a tag, digest or image is new; false: "Image is up to date"
};

PullResult PullImage(Store& store, const ImageReference& ref, const PullOptions& options);

}  // namespace ubuild::store::registry
