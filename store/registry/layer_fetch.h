#pragma once
// A layer blob from a registry into the store in one streaming pass. The
// download thread bounds the body by the descriptor's size, hashes it, and
// decompresses it (gzip, zstd, or none, told by its first bytes); a second
// thread unpacks the tar into a pending layer dir, hashing it and writing
// its tar-split. The layer is registered only through Register(), after the
// blob's digest and the tar's diff_id have both checked; a failure drops
// the pending dir and leaves the store as it was.
#include <atomic>
#include <optional>
#include <string>
#include <utility>

#include "store/base/progress_sink.h"
#include "store/digest.h"
#include "store/layer_store.h"
#include "store/registry/http_client.h"
#include "store/registry/manifest.h"
#include "store/registry/registry_session.h"

namespace ubuild::store::registry {

// An unpacked, verified layer not yet in the store; dropped unless
// registered.
class FetchedLayer {
 public:
  FetchedLayer(LayerStore& layers, PendingLayer pending, PreparedLayer prepared)
      : layers_(&layers), pending_(std::move(pending)), prepared_(prepared) {}
  FetchedLayer(FetchedLayer&& o) noexcept
      : layers_(o.layers_), pending_(std::exchange(o.pending_, PendingLayer{})), prepared_(o.prepared_) {}
  FetchedLayer& operator=(FetchedLayer&&) = delete;
  ~FetchedLayer();

  // Registers the layer on top of `parent` (REQUIRES: ROOT/lock, as
  // LayerStore::Finish); the existing layer when the chain is there already.
  Layer Register(const std::optional<Digest>& parent) { return layers_->Finish(pending_, prepared_, parent); }

 private:
  LayerStore* layers_;
  PendingLayer pending_;
  PreparedLayer prepared_;
};

// GET of `blob` from repository `path` ("library/alpine"), unpacked into a
// pending layer of `layers` (REQUIRES: ROOT/lock held, as
// LayerStore::CreatePending). Throws BadBlob (blob_download.h) unless the
// registry has the blob, its size and digest are the descriptor's and it
// is a layer tar hashing to `diff_id`; a wrong digest is reported as that,
// not as the corrupt data it also is. Any other Error is not the blob's:
// the network's, or the store's (a system call failed, SystemError).
// `received` (nullable) counts the body's bytes as they arrive; `cancel`
// (nullable) turning true ends the GET and the unpacking within a chunk.
FetchedLayer FetchLayer(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob,
                        const Digest& diff_id, LayerStore& layers, ByteCounter* received = nullptr,
                        const std::atomic<bool>* cancel = nullptr);

}  // namespace ubuild::store::registry
