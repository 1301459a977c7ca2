#include "store/registry/image_pull.h"

#include <mutex>
#include <optional>
#include <vector>

#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/image_config.h"
#include "store/load_transaction.h"
#include "store/registry/blob_download.h"
#include "store/registry/concurrent_transfers.h"
#include "store/registry/distribution_metadata.h"
#include "store/registry/layer_fetch.h"
#include "store/registry/manifest.h"
#include "store/registry/registry_session.h"
#include "store/store.h"

namespace ubuild::store::registry {

namespace {

// Docker's default max-concurrent-downloads.
constexpr size_t kConcurrentDownloads = 3;

struct FetchedManifest {
  std::string bytes;
  Manifest manifest;
  Digest digest;
};

FetchedManifest FetchManifest(RegistrySession& session, HttpClient& http, const ImageReference& ref,
                              const std::string& reference, const std::optional<Digest>& expected) {
  const std::string what = ref.domain + "/" + ref.path + (reference.rfind("sha256:", 0) == 0 ? "@" : ":") + reference;
  HttpRequest get;
  get.url = "/v2/" + ref.path + "/manifests/" + reference;
  get.headers.push_back("Accept: " + ManifestAcceptHeader());
  get.max_body = kMaxManifestBytes;
  HttpResponse r = session.Send(http, get);
  if (r.status == 404) {
    throw Error("manifest unknown: " + what + " does not exist in the registry (" + RegistrySession::ErrorText(r) + ")");
  }
  if (r.status != 200) throw Error("cannot fetch the manifest: " + RegistrySession::ErrorText(r), what);
  FetchedManifest m;
  m.digest = Sha256Of(r.body);
  if (expected) CheckManifestDigest(r.body, *expected, what);
  if (auto header = r.Header("docker-content-digest"); header && Digest::IsValid(*header)) {
    CheckManifestDigest(r.body, Digest::Parse(*header), what + " (its Docker-Content-Digest header)");
  }
  m.manifest = ParseManifest(r.body, r.Header("content-type").value_or(""), what);
  m.bytes = std::move(r.body);
  return m;
}

class Puller {
 public:
  Puller(Store& store, const ImageReference& ref, const PullOptions& options)
      : store_(store), ref_(ref), options_(options), session_(ref.domain, {"repository:" + ref.path + ":pull"}) {}

  PullResult Run();

 private:
  void Say(const std::string& line) {
    if (!options_.progress) return;
    std::lock_guard lock(say_mu_);
    options_.progress(line);
  }
  static std::string Short(const Digest& d) { return d.hex().substr(0, 12); }
  // Downloads, unpacks and verifies `missing` (indexes into layers),
  // several at once.
  void Download(const Manifest& manifest, const std::vector<Digest>& diff_ids, const std::vector<size_t>& missing);
  // The image manifest REF names, through the index when it is one; the
  // digest of what REF names (the RepoDigest) in `repo_digest`.
  FetchedManifest ImageManifest(HttpClient& http, Digest* repo_digest);
  // The image, its tag and RepoDigest; true when any of them is new.
  bool Record(LoadTransaction& txn, const std::string& config, const PullResult& result);

  Store& store_;
  const ImageReference& ref_;
  const PullOptions& options_;
  RegistrySession session_;
  std::mutex say_mu_;
  std::vector<std::optional<FetchedLayer>> fetched_;
};

void Puller::Download(const Manifest& manifest, const std::vector<Digest>& diff_ids, const std::vector<size_t>& missing) {
  fetched_.resize(manifest.layers.size());
  RunConcurrently(missing.size(), kConcurrentDownloads, [&](HttpClient& http, size_t i) {
    size_t k = missing[i];
    const Descriptor& layer = manifest.layers[k];
    ProgressTask downloading(options_.sink, Short(layer.digest) + ": downloading", layer.size);
    FetchedLayer fetched = FetchLayer(session_, http, ref_.path, layer, diff_ids[k], store_.layers(), &downloading.bytes());
    Say(Short(layer.digest) + ": Verifying Checksum");
    Say(Short(layer.digest) + ": Download complete");
    fetched_[k].emplace(std::move(fetched));
  });
}

FetchedManifest Puller::ImageManifest(HttpClient& http, Digest* repo_digest) {
  std::string reference = ref_.digest ? ref_.digest->str() : ref_.tag;
  FetchedManifest m = FetchManifest(session_, http, ref_, reference, ref_.digest);
  *repo_digest = m.digest;
  if (m.manifest.kind == Manifest::Kind::kIndex) {
    const Descriptor& chosen = ChoosePlatform(m.manifest, options_.platform, ref_.String());
    m = FetchManifest(session_, http, ref_, chosen.digest.str(), chosen.digest);
    if (m.manifest.kind != Manifest::Kind::kImage) {
      throw Error("the index entry for " + options_.platform.String() + " is itself an index", ref_.String());
    }
  }
  return m;
}

bool Puller::Record(LoadTransaction& txn, const std::string& config, const PullResult& result) {
  bool existed = store_.images().Exists(result.image_id);
  store_.images().Put(config);
  if (!existed) txn.ImageAdded(result.image_id);
  bool changed = !existed;
  if (!ref_.tag.empty()) {
    std::string tag = ref_.FamiliarName() + ":" + ref_.tag;
    if (store_.refs().Get(tag) != result.image_id) {
      changed = true;
      txn.Tag(tag, result.image_id);
    }
  }
  // Docker's "Downloaded newer image" means a reference changed, a new
  // manifest digest for the same image included.
  if (store_.refs().AddDigest(ref_.FamiliarName(), result.manifest_digest, result.image_id)) changed = true;
  return changed;
}

PullResult Puller::Run() {
  HttpClient http;
  session_.Ping(http);
  Say((ref_.tag.empty() ? ref_.digest->str() : ref_.tag) + ": Pulling from " + ref_.path);
  PullResult result;
  const FetchedManifest image = ImageManifest(http, &result.manifest_digest);
  const Manifest& manifest = image.manifest;
  std::string config = FetchSmallBlob(session_, http, ref_.path, manifest.config);
  std::vector<Digest> diff_ids = ParseDiffIds(config, "config " + manifest.config.digest.str());
  if (diff_ids.size() != manifest.layers.size()) {
    throw Error("the manifest has " + std::to_string(manifest.layers.size()) + " layers but the image config names " +
                    std::to_string(diff_ids.size()),
                ref_.String());
  }
  result.image_id = Sha256Of(config);
  std::vector<Digest> chain_ids = ChainIds(diff_ids);

  std::vector<size_t> missing;
  for (size_t k = 0; k < chain_ids.size(); ++k) {
    bool have = store_.layers().Exists(chain_ids[k]);
    Say(Short(manifest.layers[k].digest) + (have ? ": Already exists" : ": Pulling fs layer"));
    if (!have) missing.push_back(k);
  }
  Download(manifest, diff_ids, missing);

  LoadTransaction txn(store_);
  for (size_t k : missing) {
    // An earlier layer of this image may have been the same chain.
    if (!store_.layers().Exists(chain_ids[k])) {
      std::optional<Digest> parent = k == 0 ? std::nullopt : std::optional<Digest>(chain_ids[k - 1]);
      txn.LayerAdded(fetched_[k]->Register(parent).chain_id);
    }
    fetched_[k].reset();
    Say(Short(manifest.layers[k].digest) + ": Pull complete");
  }
  result.new_image = Record(txn, config, result);
  txn.Commit();
  // A hint for pushes (skip, mount, no recompression), not part of the image.
  for (size_t k = 0; k < manifest.layers.size(); ++k) {
    RecordSighting(store_.root(), diff_ids[k],
                   BlobSighting{manifest.layers[k].digest, ref_.Repository(), manifest.layers[k].media_type});
  }
  return result;
}

}  // namespace

PullResult PullImage(Store& store, const ImageReference& ref, const PullOptions& options) {
  Puller puller(store, ref, options);
  return puller.Run();
}

}  // namespace ubuild::store::registry
