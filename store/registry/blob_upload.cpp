#include "store/registry/blob_upload.h"

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {

std::string Where(const RegistrySession& session, const std::string& path) { return session.domain() + "/" + path; }

// POST: a new upload session's URL.
std::string StartUpload(RegistrySession& session, HttpClient& http, const std::string& path, const std::string& what) {
  HttpRequest post;
  post.method = "POST";
  post.url = "/v2/" + path + "/blobs/uploads/";
  HttpResponse started = session.Send(http, post);
  auto location = started.Header("location");
  if (started.status != 202 || !location) {
    throw Error("starting the upload of " + what + ": " + RegistrySession::ErrorText(started), Where(session, path));
  }
  return *location;
}

// PUT ?digest=: the upload becomes the blob.
void Commit(RegistrySession& session, HttpClient& http, const std::string& path, const std::string& location,
            const Digest& blob, ByteSource* bytes, uint64_t size) {
  HttpRequest put;
  put.method = "PUT";
  put.url = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + blob.str();
  put.headers.push_back("Content-Type: application/octet-stream");
  put.upload = bytes;
  put.upload_size = size;
  HttpResponse done = session.Send(http, put);
  if (done.status != 201) {
    throw Error("uploading blob " + blob.str() + ": " + RegistrySession::ErrorText(done), Where(session, path));
  }
}

}  // namespace

void UploadBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Digest& blob,
                ByteSource& bytes, uint64_t size) {
  const std::string location = StartUpload(session, http, path, blob.str());
  Commit(session, http, path, location, blob, &bytes, size);
}

bool StreamBlob(RegistrySession& session, HttpClient& http, const std::string& path, BlobUploadStream& stream) {
  // However this ends, the writer must not wait on a reader that is gone.
  struct CloseOnExit {
    BlobUploadStream& stream;
    ~CloseOnExit() { stream.Close(); }
  } closing{stream};
  const std::string location = StartUpload(session, http, path, "a layer");
  HttpRequest patch;
  patch.method = "PATCH";
  patch.url = location;
  patch.headers.push_back("Content-Type: application/octet-stream");
  patch.upload = &stream;
  patch.upload_streamed = true;
  HttpResponse patched;
  try {
    patched = session.Send(http, patch);
  } catch (const Error&) {
    // The layer could not be read or compressed: no other upload helps.
    if (stream.failed()) throw;
    // A server that drops the connection on a chunked body. Were the cause
    // anything else, the monolithic upload fails too, with its own error.
    return false;
  }
  if (patched.status != 202) return false;
  Commit(session, http, path, patched.Header("location").value_or(location), stream.digest(), nullptr, 0);
  return true;
}

}  // namespace ubuild::store::registry
