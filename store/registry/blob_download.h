#pragma once
// A blob's GET from a registry and the checks every blob passes: never more
// than the descriptor's size, and the SHA-256 of exactly that many bytes
// equal to the descriptor's digest. Layers stream through layer_fetch.h;
// small blobs (image configs) come into memory here.
#include <string>

#include "store/digest.h"
#include "store/registry/http_client.h"
#include "store/registry/manifest.h"
#include "store/registry/registry_session.h"

namespace ubuild::store::registry {

// GET of `blob` from repository `path` ("library/alpine") into `sink`;
// throws unless the registry answers 200.
HttpResponse GetBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob,
                     ByteSink* sink);

// Throws unless `received` bytes hashing to `actual` are the blob.
void CheckReceived(uint64_t received, const Digest& actual, const Descriptor& blob);

// GET of a small blob (an image config) into memory, checked like a layer.
std::string FetchSmallBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob);

}  // namespace ubuild::store::registry
