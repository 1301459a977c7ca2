#pragma once
// Where a build cache lives, read and written the same way whichever it
// is: a repository of a registry (type=registry: GET/HEAD/PUT over the
// distribution API, blobs mounted across repositories of one registry) or
// an OCI image layout directory (type=local: index.json naming the cache
// manifest, blobs/sha256/<hex>). Blobs are always written before the
// manifest that names them, and the manifest (or index.json) is replaced
// whole, so a reader — or a second writer racing this one — sees an old
// valid cache or the new one.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "builder/registry_cache_option.h"
#include "store/byte_stream.h"
#include "store/layer_store.h"
#include "store/registry/build_cache_manifest.h"
#include "store/registry/image_reference.h"
#include "store/store.h"

namespace ubuild::builder {

// FetchLayers' or FetchedLayer::Register's failure to bring in the layer
// whose blob is `blob` because of the blob: gone, or not what its digest
// and diff_id say (its size, its bytes, its tar). The cause's text, and
// which blob of several. A failure of this machine (a full disk, a store
// dir it may not write, the network) is not this: it stays the error it is.
class BlobUnavailable : public Error {
 public:
  BlobUnavailable(const Error& cause, const store::Digest& blob) : Error(cause.what(), cause.where()), blob(blob) {}
  store::Digest blob;
};

class CacheEndpoint {
 public:
  // `write`: the endpoint will be written (push scope, directories made);
  // `mount_from`: other repositories of the same registry blobs may be
  // mounted from (they need pull scope in the same token).
  static std::unique_ptr<CacheEndpoint> Open(const CacheLocation& location, bool write,
                                             const std::vector<std::string>& mount_from = {});
  virtual ~CacheEndpoint() = default;

  const std::string& what() const { return what_; }
  // "domain/path" of a registry repository; empty for a directory.
  virtual std::string Repository() const { return ""; }

  // The manifest the location names, or nullopt when there is none (a tag
  // the repository does not have, a directory without index.json).
  virtual std::optional<std::string> ReadManifest() = 0;
  // A manifest an index names (one platform's), checked against its digest.
  virtual std::string ReadManifestAt(const store::registry::Descriptor& entry) = 0;
  // A small blob (a config), checked against its digest.
  virtual std::string ReadBlob(const store::registry::Descriptor& blob) = 0;
  // The blob's size when it is there.
  virtual std::optional<uint64_t> BlobSize(const store::Digest& digest) = 0;
  // Whether BlobSize costs no more than a directory lookup (a directory: a
  // stat) rather than a round trip (a registry: a HEAD). Loading a cache
  // checks its layer blobs only then (RegistryCacheImport::Load).
  virtual bool BlobSizeIsLocal() const { return false; }
  // BlobSize of each, in `digests`' order (a registry: several HEADs at once).
  virtual std::vector<std::optional<uint64_t>> BlobSizes(const std::vector<store::Digest>& digests) {
    std::vector<std::optional<uint64_t>> sizes;
    for (const store::Digest& d : digests) sizes.push_back(BlobSize(d));
    return sizes;
  }
  // ReadBlob(blob) and BlobSizes(digests) (into `sizes`) together: a
  // registry sends the GET and the HEADs at once, so checking the layers
  // costs a cache's resolution no round trip of its own.
  virtual std::string ReadBlobWithSizes(const store::registry::Descriptor& blob,
                                        const std::vector<store::Digest>& digests,
                                        std::vector<std::optional<uint64_t>>& sizes) {
    std::string bytes = ReadBlob(blob);
    sizes = BlobSizes(digests);
    return bytes;
  }
  // A layer's blob brought here (a registry's: streamed, unpacked into a
  // pending layer and checked against its digest and diff_id), not yet
  // registered. FetchLayers and Register throw BlobUnavailable when the
  // blob is not there or not what its digest says, any other Error when
  // something else failed.
  class FetchedLayer {
   public:
    virtual ~FetchedLayer() = default;
    // Registers the layer on `parent`, once (REQUIRES: Store::Adding()).
    virtual store::Layer Register(store::Store& store, const std::optional<store::Digest>& parent) = 0;
  };
  // Fetches the layers' blobs, several at once where that saves time (a
  // registry: concurrent GETs, as pull makes them); in `layers`' order.
  // `cancel` (nullable) turning true ends the transfers and the unpacking
  // within a chunk, with an Error. REQUIRES: Store::Adding(), as pending
  // layers are made.
  virtual std::vector<std::unique_ptr<FetchedLayer>> FetchLayers(
      store::Store& store, const std::vector<store::registry::CacheLayer>& layers,
      const std::atomic<bool>* cancel) = 0;

  virtual void PutBlob(const store::Digest& digest, store::ByteSource& bytes, uint64_t size) = 0;
  // Takes the blob from `from_repository` of the same registry without
  // moving its bytes; false when that is not possible.
  virtual bool MountBlob(const store::Digest&, const std::string& /*from_repository*/) { return false; }
  virtual void PutManifest(const std::string& manifest, std::string_view media_type) = 0;

 protected:
  explicit CacheEndpoint(std::string what) : what_(std::move(what)) {}

 private:
  std::string what_;
};

}  // namespace ubuild::builder
