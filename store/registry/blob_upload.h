#pragma once
// A blob's upload to a repository, in the two ways of the OCI distribution
// spec ("Pushing blobs"): each opens an upload session with POST and sends
// every later request to the Location of the answer before it.
//   monolithic: PUT ?digest= with every byte, for a blob whose digest and
//     size are known first (a config, a spooled layer);
//   streamed: one PATCH with the bytes as they are made, no length ahead
//     (HTTP/1.1 chunked transfer encoding, as Docker and containerd push),
//     then PUT ?digest= with no body — the digest is known only once the
//     stream has ended, which is what PATCH is for.
#include <cstdint>
#include <string>

#include "store/byte_stream.h"
#include "store/digest.h"
#include "store/registry/blob_upload_stream.h"
#include "store/registry/http_client.h"
#include "store/registry/registry_session.h"

namespace ubuild::store::registry {

// `path` is the repository's path in the registry ("test/app").
void UploadBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Digest& blob,
                ByteSource& bytes, uint64_t size);

// Uploads the stream's bytes until its writer finishes, then commits them
// under the stream's digest. False, the stream closed and nothing stored,
// when the registry (or a proxy before it) refuses the streamed PATCH:
// the blob must then go up monolithically. The writer's error, when it
// fails, is thrown.
bool StreamBlob(RegistrySession& session, HttpClient& http, const std::string& path, BlobUploadStream& stream);

}  // namespace ubuild::store::registry
