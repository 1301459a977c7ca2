#include "builder/registry_cache_endpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/decompressing_source.h"
#include "store/oci_media_types.h"
#include "store/registry/blob_download.h"
#include "store/registry/concurrent_transfers.h"
#include "store/registry/layer_fetch.h"
#include "store/registry/registry_session.h"

namespace ubuild::builder {

namespace {

using store::Digest;
using store::registry::Descriptor;
using store::registry::HttpRequest;
using store::registry::HttpResponse;
using store::registry::RegistrySession;

// Docker's default max-concurrent-downloads, as pull.
constexpr size_t kConcurrentDownloads = 3;

// Streamed from the registry, unpacked and checked: registering it only
// links it into the chain.
class Downloaded : public CacheEndpoint::FetchedLayer {
 public:
  explicit Downloaded(store::registry::FetchedLayer fetched) : fetched_(std::move(fetched)) {}
  store::Layer Register(store::Store&, const std::optional<Digest>& parent) override { return fetched_.Register(parent); }

 private:
  store::registry::FetchedLayer fetched_;
};

// Runs `read`, a read of blob `blob`: any failure of it is the blob's.
template <class F>
auto BlameBlob(const Digest& blob, F read) {
  try {
    return read();
  } catch (const BlobUnavailable&) {
    throw;
  } catch (const Error& e) {
    if (e.exit_code() != 1) throw;  // interrupted
    throw BlobUnavailable(e, blob);
  }
}

// The tar a blob file decompresses to: failing to read or decompress the
// file is the blob's failure, whatever the unpacking of it does.
class BlobTar : public store::ByteSource {
 public:
  BlobTar(store::ByteSource& compressed, const std::string& path, const Digest& blob)
      : blob_(blob), tar_(BlameBlob(blob, [&] { return std::make_unique<store::DecompressingSource>(compressed, path); })) {}
  size_t Read(void* data, size_t len) override {
    return BlameBlob(blob_, [&] { return tar_->Read(data, len); });
  }

 private:
  Digest blob_;
  std::unique_ptr<store::DecompressingSource> tar_;
};

// A blob file of an OCI layout directory, decompressed as it is read.
class InPlace : public CacheEndpoint::FetchedLayer {
 public:
  InPlace(const std::filesystem::path& path, const store::registry::CacheLayer& layer)
      : path_(path.string()), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), compressed_(fd_.get(), path_),
        layer_(layer) {
    if (!fd_.valid()) throw BlobUnavailable(SysError("open", path_, errno), layer_.blob.digest);
  }
  store::Layer Register(store::Store& store, const std::optional<Digest>& parent) override {
    const std::string what = "layer " + layer_.blob.digest.str();
    store::LayerStore& layers = store.layers();
    store::PendingLayer pending = layers.CreatePending();
    store::PreparedLayer prepared;
    try {
      BlobTar tar(compressed_, path_, layer_.blob.digest);
      prepared = layers.Unpack(pending, tar, what);  // drops the pending dir when it fails
    } catch (const SystemError&) {
      throw;  // the store's disk, not the blob
    } catch (const BlobUnavailable&) {
      throw;
    } catch (const Error& e) {
      // A damaged blob of the size the cache lists passed the stat at
      // resolution: this is where it shows (not a tar ubuild accepts).
      if (e.exit_code() != 1) throw;
      throw BlobUnavailable(e, layer_.blob.digest);
    }
    if (prepared.diff_id != layer_.diff_id) {
      layers.Discard(pending);
      throw BlobUnavailable(Error("layer digest mismatch: expected " + layer_.diff_id.str() + ", got " +
                                      prepared.diff_id.str(), what),
                            layer_.blob.digest);
    }
    return layers.Finish(pending, prepared, parent);
  }

 private:
  std::string path_;
  Fd fd_;
  store::FdSource compressed_;
  store::registry::CacheLayer layer_;
};

class RegistryEndpoint : public CacheEndpoint {
 public:
  RegistryEndpoint(const CacheLocation& location, bool write, const std::vector<std::string>& mount_from)
      : CacheEndpoint(location.ref), ref_(store::registry::ImageReference::Parse(location.ref)),
        session_(ref_.domain, Scopes(ref_, write, mount_from)) {}

  std::string Repository() const override { return ref_.Repository(); }

  std::optional<std::string> ReadManifest() override {
    return GetManifest(ref_.digest ? ref_.digest->str() : ref_.tag, ref_.digest);
  }

  std::string ReadManifestAt(const Descriptor& entry) override {
    std::optional<std::string> manifest = GetManifest(entry.digest.str(), entry.digest);
    if (!manifest) throw Error("the index names manifest " + entry.digest.str() + ", which is not there", what());
    return std::move(*manifest);
  }

  std::string ReadBlob(const Descriptor& blob) override {
    Ping();
    return store::registry::FetchSmallBlob(session_, http_, ref_.path, blob);
  }

  std::optional<uint64_t> BlobSize(const Digest& digest) override {
    Ping();
    return Head(http_, digest);
  }

  std::vector<std::optional<uint64_t>> BlobSizes(const std::vector<Digest>& digests) override {
    Ping();
    std::vector<std::optional<uint64_t>> sizes(digests.size());
    store::registry::RunConcurrently(digests.size(), Clients(), [&](store::registry::HttpClient& http, size_t i) {
      sizes[i] = Head(http, digests[i]);
    });
    return sizes;
  }

  std::string ReadBlobWithSizes(const Descriptor& blob, const std::vector<Digest>& digests,
                                std::vector<std::optional<uint64_t>>& sizes) override {
    Ping();
    std::string bytes;
    sizes.assign(digests.size(), std::nullopt);
    // Item 0 is the GET, the rest the HEADs, over the connections FetchLayers reuses.
    store::registry::RunConcurrently(digests.size() + 1, Clients(), [&](store::registry::HttpClient& http, size_t i) {
      if (i == 0) {
        bytes = store::registry::FetchSmallBlob(session_, http, ref_.path, blob);
      } else {
        sizes[i - 1] = Head(http, digests[i - 1]);
      }
    });
    return bytes;
  }

  std::vector<std::unique_ptr<FetchedLayer>> FetchLayers(store::Store& store,
                                                         const std::vector<store::registry::CacheLayer>& layers,
                                                         const std::atomic<bool>* cancel) override {
    Ping();
    std::vector<std::unique_ptr<FetchedLayer>> fetched(layers.size());
    store::registry::RunConcurrently(layers.size(), Clients(), [&](store::registry::HttpClient& http, size_t i) {
      try {
        fetched[i] = std::make_unique<Downloaded>(store::registry::FetchLayer(
            session_, http, ref_.path, layers[i].blob, layers[i].diff_id, store.layers(), nullptr, cancel));
      } catch (const store::registry::BadBlob& e) {
        // Deleted since its HEAD, or not what its digest says.
        throw BlobUnavailable(e, layers[i].blob.digest);
      } catch (const SystemError&) {
        throw;  // this machine's: its disk, its limits
      } catch (const Error& e) {
        // The registry's side (refused, reset, 5xx, timed out): a cache
        // that cannot be read is a cold step, never a failed build.
        if (cancel != nullptr && cancel->load()) throw;
        throw BlobUnavailable(e, layers[i].blob.digest);
      }
    });
    return fetched;
  }

  void PutBlob(const Digest& digest, store::ByteSource& bytes, uint64_t size) override {
    Ping();
    HttpRequest post;
    post.method = "POST";
    post.url = "/v2/" + ref_.path + "/blobs/uploads/";
    HttpResponse started = session_.Send(http_, post);
    auto location = started.Header("location");
    if (started.status != 202 || !location) {
      throw Error("starting the upload of " + digest.str() + ": " + RegistrySession::ErrorText(started), what());
    }
    HttpRequest put;
    put.method = "PUT";
    put.url = *location + (location->find('?') == std::string::npos ? "?" : "&") + "digest=" + digest.str();
    put.headers.push_back("Content-Type: application/octet-stream");
    put.upload = &bytes;
    put.upload_size = size;
    HttpResponse done = session_.Send(http_, put);
    if (done.status != 201) throw Error("uploading blob " + digest.str() + ": " + RegistrySession::ErrorText(done), what());
  }

  bool MountBlob(const Digest& digest, const std::string& from_repository) override {
    const std::string prefix = ref_.domain + "/";
    if (from_repository.rfind(prefix, 0) != 0) return false;  // another registry: bytes would have to move
    Ping();
    HttpRequest post;
    post.method = "POST";
    post.url = "/v2/" + ref_.path + "/blobs/uploads/?mount=" + digest.str() + "&from=" + from_repository.substr(prefix.size());
    HttpResponse r = session_.Send(http_, post);
    // 202: the registry opened an upload instead; left to expire.
    return r.status == 201;
  }

  void PutManifest(const std::string& manifest, std::string_view media_type) override {
    Ping();
    HttpRequest put;
    put.method = "PUT";
    put.url = "/v2/" + ref_.path + "/manifests/" + ref_.tag;
    put.headers.push_back("Content-Type: " + std::string(media_type));
    put.body = manifest;
    HttpResponse r = session_.Send(http_, put);
    if (r.status != 201) throw Error("the registry refused the manifest: " + RegistrySession::ErrorText(r), what());
  }

 private:
  static std::vector<std::string> Scopes(const store::registry::ImageReference& ref, bool write,
                                         const std::vector<std::string>& mount_from) {
    std::vector<std::string> scopes = {"repository:" + ref.path + (write ? ":pull,push" : ":pull")};
    for (const std::string& repo : mount_from) {
      if (repo.rfind(ref.domain + "/", 0) == 0) scopes.push_back("repository:" + repo.substr(ref.domain.size() + 1) + ":pull");
    }
    return scopes;
  }
  std::optional<std::string> GetManifest(const std::string& reference, const std::optional<Digest>& digest) {
    Ping();
    HttpRequest get;
    get.url = "/v2/" + ref_.path + "/manifests/" + reference;
    get.headers.push_back("Accept: " + store::registry::ManifestAcceptHeader());
    get.max_body = store::registry::kMaxManifestBytes;
    HttpResponse r = session_.Send(http_, get);
    if (r.status == 404) return std::nullopt;
    if (r.status != 200) throw Error("cannot fetch the manifest: " + RegistrySession::ErrorText(r), what());
    if (digest) store::registry::CheckManifestDigest(r.body, *digest, what());
    return std::move(r.body);
  }
  void Ping() {
    if (pinged_) return;
    session_.Ping(http_);
    pinged_ = true;
  }
  std::optional<uint64_t> Head(store::registry::HttpClient& http, const Digest& digest) {
    HttpRequest head;
    head.method = "HEAD";
    head.url = "/v2/" + ref_.path + "/blobs/" + digest.str();
    HttpResponse r = session_.Send(http, head);
    auto length = r.Header("content-length");
    if (r.status == 200 && length) return std::stoull(*length);
    if (r.status == 404) return std::nullopt;
    throw Error("HEAD of blob " + digest.str() + ": " + RegistrySession::ErrorText(r), what());
  }
  // The clients of concurrent requests, http_ first: kept for the
  // endpoint's life, so the HEADs' connections serve the layer GETs after.
  std::vector<store::registry::HttpClient*> Clients() {
    while (pool_.size() + 1 < kConcurrentDownloads) pool_.push_back(std::make_unique<store::registry::HttpClient>());
    std::vector<store::registry::HttpClient*> clients = {&http_};
    for (const auto& c : pool_) clients.push_back(c.get());
    return clients;
  }

  store::registry::ImageReference ref_;
  RegistrySession session_;
  store::registry::HttpClient http_;
  std::vector<std::unique_ptr<store::registry::HttpClient>> pool_;
  bool pinged_ = false;
};

class LayoutEndpoint : public CacheEndpoint {
 public:
  LayoutEndpoint(const CacheLocation& location, bool write) : CacheEndpoint(location.dir.string()), dir_(location.dir) {
    if (!write) return;
    std::error_code ec;
    std::filesystem::create_directories(dir_ / "blobs" / "sha256", ec);
    if (ec) throw SysError("mkdir", (dir_ / "blobs" / "sha256").string(), ec.value());
    if (!std::filesystem::exists(dir_ / "oci-layout")) {
      store::WriteFileAtomic(dir_ / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    }
  }

  std::optional<std::string> ReadManifest() override {
    std::optional<std::string> index = store::ReadFileIfExists(dir_ / "index.json");
    if (!index) return std::nullopt;
    nlohmann::json j = nlohmann::json::parse(*index, nullptr, false);
    if (j.is_discarded() || !j.value("manifests", nlohmann::json()).is_array() || j["manifests"].empty()) {
      throw Error("index.json names no manifest", what());
    }
    const nlohmann::json& m = j["manifests"][0];
    Descriptor d{m.value("mediaType", ""), Digest::Parse(m.value("digest", "")), m.value("size", uint64_t{0}), std::nullopt};
    return ReadBlob(d);
  }

  std::string ReadManifestAt(const Descriptor& entry) override { return ReadBlob(entry); }

  std::string ReadBlob(const Descriptor& blob) override {
    std::string bytes = store::ReadFile(BlobPath(blob.digest));
    if (store::Sha256Of(bytes) != blob.digest) throw Error("blob " + blob.digest.str() + " does not match its digest", what());
    return bytes;
  }

  bool BlobSizeIsLocal() const override { return true; }

  std::optional<uint64_t> BlobSize(const Digest& digest) override {
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(BlobPath(digest), ec);
    if (ec) return std::nullopt;
    return size;
  }

  // The blobs are here already: each is opened, and read once registered
  // (nothing to cancel). The diff_id check Register makes covers the blob:
  // a changed blob cannot decompress to the same tar.
  std::vector<std::unique_ptr<FetchedLayer>> FetchLayers(store::Store&,
                                                         const std::vector<store::registry::CacheLayer>& layers,
                                                         const std::atomic<bool>*) override {
    std::vector<std::unique_ptr<FetchedLayer>> fetched;
    for (const store::registry::CacheLayer& layer : layers) fetched.push_back(std::make_unique<InPlace>(BlobPath(layer.blob.digest), layer));
    return fetched;
  }

  void PutBlob(const Digest& digest, store::ByteSource& bytes, uint64_t size) override {
    const std::filesystem::path path = BlobPath(digest);
    const std::filesystem::path tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
      Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!fd.valid()) throw SysError("open", tmp.string(), errno);
      store::FdSink out(fd.get(), tmp.string());
      char buf[1 << 16];
      uint64_t copied = 0;
      for (size_t n; (n = bytes.Read(buf, sizeof buf)) > 0; copied += n) out.Write(buf, n);
      if (copied != size) throw Error("blob " + digest.str() + " has " + std::to_string(copied) + " bytes, not " + std::to_string(size), what());
      fd.Close(tmp.string());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw SysError("rename", path.string(), errno);
  }

  void PutManifest(const std::string& manifest, std::string_view media_type) override {
    store::StringSource bytes(manifest);
    const Digest digest = store::Sha256Of(manifest);
    PutBlob(digest, bytes, manifest.size());
    nlohmann::ordered_json index = {{"schemaVersion", 2},
                                    {"mediaType", std::string(store::media_type::kOciIndex)},
                                    {"manifests", {{{"mediaType", std::string(media_type)},
                                                    {"digest", digest.str()},
                                                    {"size", manifest.size()}}}}};
    store::WriteFileAtomic(dir_ / "index.json", index.dump());
  }

 private:
  std::filesystem::path BlobPath(const Digest& d) const { return dir_ / "blobs" / "sha256" / d.hex(); }

  std::filesystem::path dir_;
};

}  // namespace

std::unique_ptr<CacheEndpoint> CacheEndpoint::Open(const CacheLocation& location, bool write,
                                                   const std::vector<std::string>& mount_from) {
  if (location.kind == CacheLocation::Kind::kLocal) return std::make_unique<LayoutEndpoint>(location, write);
  return std::make_unique<RegistryEndpoint>(location, write, mount_from);
}

}  // namespace ubuild::builder
