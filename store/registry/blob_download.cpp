#include "store/registry/blob_download.h"

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {

class BoundedStringSink : public ByteSink {
 public:
  explicit BoundedStringSink(const Descriptor& blob) : blob_(blob) {}
  void Write(const void* data, size_t len) override {
    if (out.size() + len > blob_.size) throw LongerThanDescribed(blob_);
    out.append(static_cast<const char*>(data), len);
  }
  std::string out;

 private:
  const Descriptor& blob_;
};

}  // namespace

BadBlob LongerThanDescribed(const Descriptor& blob) {
  return BadBlob("the registry sent more than the " + std::to_string(blob.size) + " bytes the manifest gives",
                 "blob " + blob.digest.str());
}

HttpResponse GetBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob,
                     ByteSink* sink, const std::atomic<bool>* cancel) {
  HttpRequest get;
  get.url = "/v2/" + path + "/blobs/" + blob.digest.str();
  get.sink = sink;
  get.cancel = cancel;
  HttpResponse r = session.Send(http, get);
  if (r.status == 404) {
    throw BadBlob("cannot fetch blob " + blob.digest.str() + ": " + RegistrySession::ErrorText(r), session.domain() + "/" + path);
  }
  if (r.status != 200) {
    throw Error("cannot fetch blob " + blob.digest.str() + ": " + RegistrySession::ErrorText(r), session.domain() + "/" + path);
  }
  return r;
}

void CheckReceived(uint64_t received, const Digest& actual, const Descriptor& blob) {
  if (received != blob.size) {
    throw BadBlob("truncated blob: received " + std::to_string(received) + " of " + std::to_string(blob.size) + " bytes",
                "blob " + blob.digest.str());
  }
  if (actual != blob.digest) {
    throw BadBlob("the blob's bytes hash to " + actual.str() + ", not to its digest", "blob " + blob.digest.str());
  }
}

std::string FetchSmallBlob(RegistrySession& session, HttpClient& http, const std::string& path, const Descriptor& blob) {
  if (blob.size > kMaxManifestBytes) {
    throw Error("config blob of " + std::to_string(blob.size) + " bytes is larger than ubuild accepts", "blob " + blob.digest.str());
  }
  BoundedStringSink sink(blob);
  GetBlob(session, http, path, blob, &sink);
  CheckReceived(sink.out.size(), Sha256Of(sink.out), blob);
  return std::move(sink.out);
}

}  // namespace ubuild::store::registry
