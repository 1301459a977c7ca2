#pragma once
// A blob's GET from a registry and the checks every blob passes: never more
// than the descriptor's size, and the SHA-256 of exactly that many bytes
// equal to the descriptor's digest. Layers stream through layer_fetch.h;
// small blobs (image configs) come into memory here.
#include <atomic>
#include <string>

#include "store/base/error.h"
#include "store/digest.h"
#include "store/registry/http_client.h"
#include "store/registry/manifest.h"
#include "store/registry/registry_session.h"

namespace ubuild::store::registry {

// The blob is the failure: the registry does not have it (404), or its
// bytes are not what its descriptor says (more or fewer, another digest),
// or, for a layer, not a layer tar of its diff_id. A failure of the
// network or of the store while fetching it is a plain Error: a build
// cache drops a bad blob and goes on without it, not a machine's fault.
class BadBlob : public Error {
 public:
  using Error::Error;
};

// GET of `blob` from repository `path` ("library/alpine") into `sink`;
// throws unless the registry answers 200 (BadBlob for a 404). `cancel`
// (nullable): see HttpRequest::cancel.
HttpResponse GetBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob,
                     ByteSink* sink, const std::atomic<bool>* cancel = nullptr);

// Throws BadBlob unless `received` bytes hashing to `actual` are the blob.
void CheckReceived(uint64_t received, const Digest& actual, const Descriptor& blob);

// The error of a blob `blob` larger than its descriptor says.
BadBlob LongerThanDescribed(const Descriptor& blob);

// GET of a small blob (an image config) into memory, checked like a layer.
std::string FetchSmallBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob);

}  // namespace ubuild::store::registry
