#include "store/registry/image_push.h"

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "store/base/error.h"
#include "store/counted_stream.h"
#include "store/image_config.h"
#include "store/layout.h"
#include "store/oci_media_types.h"
#include "store/registry/blob_upload.h"
#include "store/registry/blob_upload_stream.h"
#include "store/registry/compressed_layer.h"
#include "store/registry/concurrent_transfers.h"
#include "store/registry/distribution_metadata.h"
#include "store/registry/manifest.h"
#include "store/registry/registry_session.h"
#include "store/store.h"
#include "store/tar_split_size.h"

namespace ubuild::store::registry {

namespace {

// Docker's default max-concurrent-uploads.
constexpr size_t kConcurrentUploads = 5;

// A schema2 manifest names layers by Docker's media types, and podman and
// skopeo refuse one naming an OCI type: a blob the store saw under an OCI
// manifest is listed under Docker's name for the same bytes.
std::string DockerLayerMediaType(const std::string& seen) {
  namespace mt = media_type;
  if (seen == mt::kOciLayer) return std::string(mt::kDockerLayer);
  if (seen == mt::kOciLayerGzip) return std::string(mt::kDockerLayerGzip);
  if (seen == mt::kOciLayerZstd) return std::string(mt::kDockerLayerZstd);
  return seen;
}

// containers/image (podman, skopeo, buildah) reads no zstd layer in a
// schema2 manifest, so a zstd blob is reused only when zstd was asked for;
// otherwise the layer is compressed again the way the push compresses.
// A zstd layer goes in an OCI manifest, as BuildKit makes zstd imply OCI
// media types: containers/image (podman 4.3, skopeo 1.9) refuses a schema2
// manifest naming Docker's `…diff.tar.zstd`, while Docker and ubuild read
// either. Every other push stays schema2, as docker push writes it.
bool NeedsOciManifest(const std::vector<Descriptor>& layers) {
  for (const Descriptor& d : layers) {
    if (d.media_type == media_type::kDockerLayerZstd || d.media_type == media_type::kOciLayerZstd) return true;
  }
  return false;
}

std::string OciLayerMediaType(const std::string& docker) {
  namespace mt = media_type;
  if (docker == mt::kDockerLayer) return std::string(mt::kOciLayer);
  if (docker == mt::kDockerLayerGzip) return std::string(mt::kOciLayerGzip);
  if (docker == mt::kDockerLayerZstd) return std::string(mt::kOciLayerZstd);
  return docker;
}

bool Reusable(const BlobSighting& s, const PushOptions& options) {
  const bool zstd = s.media_type == media_type::kOciLayerZstd || s.media_type == media_type::kDockerLayerZstd;
  return !(options.force_compression || zstd) || options.compression.Matches(s.media_type);
}

class Pusher {
 public:
  Pusher(Store& store, const ImageReference& ref, const PushOptions& options)
      : store_(store), ref_(ref), options_(options) {}

  PushResult Run();

 private:
  struct LayerPlan {
    Layer layer;
    std::optional<BlobSighting> here;    // seen in this very repository
    std::optional<BlobSighting> mount;   // seen in another repository of this registry
    Descriptor pushed;                   // what the manifest lists
  };

  void Say(const std::string& line) {
    if (!options_.progress) return;
    std::lock_guard lock(say_mu_);
    options_.progress(line);
  }
  static std::string Short(const Digest& d) { return d.hex().substr(0, 12); }
  // The blob's size when the repository has it.
  std::optional<uint64_t> BlobSize(HttpClient& http, const Digest& blob);
  bool Mount(HttpClient& http, const Digest& blob, const std::string& from_path);
  void PushLayer(HttpClient& http, LayerPlan& plan);
  // Compressed and uploaded at once; false if the registry refused the
  // streamed upload.
  bool StreamLayer(HttpClient& http, LayerPlan& plan);
  // Compressed into a spool file, then uploaded if the registry lacks it.
  void SpoolLayer(HttpClient& http, LayerPlan& plan);
  // The image's layers, each with where the store has seen it in this registry.
  std::vector<LayerPlan> PlanLayers(const ImageConfig& config) const;
  // Push here, and pull from every repository a layer is mounted from.
  std::vector<std::string> Scopes(const std::vector<LayerPlan>& plans) const;
  // The config blob, then the manifest naming it and the pushed layers.
  PushResult PutManifest(HttpClient& http, const std::string& config, const std::vector<LayerPlan>& plans);

  Store& store_;
  const ImageReference& ref_;
  const PushOptions& options_;
  std::optional<RegistrySession> session_;
  std::mutex say_mu_;
  // Once the registry refuses a streamed upload, the other layers spool.
  std::atomic<bool> spool_{false};
};

std::optional<uint64_t> Pusher::BlobSize(HttpClient& http, const Digest& blob) {
  HttpRequest head;
  head.method = "HEAD";
  head.url = "/v2/" + ref_.path + "/blobs/" + blob.str();
  HttpResponse r = session_->Send(http, head);
  auto length = r.Header("content-length");
  if (r.status == 200 && length) return std::stoull(*length);
  if (r.status == 404) return std::nullopt;
  throw Error("HEAD of blob " + blob.str() + ": " + RegistrySession::ErrorText(r), ref_.Repository());
}

bool Pusher::Mount(HttpClient& http, const Digest& blob, const std::string& from_path) {
  HttpRequest post;
  post.method = "POST";
  post.url = "/v2/" + ref_.path + "/blobs/uploads/?mount=" + blob.str() + "&from=" + from_path;
  HttpResponse r = session_->Send(http, post);
  if (r.status == 201) return true;
  // 202: the registry would not mount and opened an upload instead; it is
  // left to expire, since Upload opens its own.
  if (r.status == 202) return false;
  throw Error("mounting blob " + blob.str() + " from " + from_path + ": " + RegistrySession::ErrorText(r), ref_.Repository());
}

void Pusher::PushLayer(HttpClient& http, LayerPlan& plan) {
  const std::string id = Short(plan.layer.diff_id);
  // A blob this repository was seen with: ask before compressing anything.
  if (plan.here) {
    if (auto size = BlobSize(http, plan.here->blob)) {
      plan.pushed = Descriptor{DockerLayerMediaType(plan.here->media_type), plan.here->blob, *size, std::nullopt};
      Say(id + ": Layer already exists");
      return;
    }
  }
  if (plan.mount) {
    const std::string from = plan.mount->source_repository.substr(ref_.domain.size() + 1);
    if (Mount(http, plan.mount->blob, from)) {
      auto size = BlobSize(http, plan.mount->blob);
      if (!size) throw Error("the registry mounted blob " + plan.mount->blob.str() + " but does not have it", ref_.String());
      plan.pushed = Descriptor{DockerLayerMediaType(plan.mount->media_type), plan.mount->blob, *size, std::nullopt};
      Say(id + ": Mounted from " + from);
      return;
    }
  }
  if (!spool_ && StreamLayer(http, plan)) return;
  if (!spool_.exchange(true)) {
    Say(id + ": the registry refused a streamed upload (PATCH without a length); uploading each layer whole");
  }
  SpoolLayer(http, plan);
}

bool Pusher::StreamLayer(HttpClient& http, LayerPlan& plan) {
  const std::string id = Short(plan.layer.diff_id);
  const std::string what = "layer " + plan.layer.diff_id.str();
  BlobUploadStream stream(what);
  // The compressed size is known only at the end: the display counts the
  // layer tar's bytes into the compressor instead, against the tar's size.
  ProgressTask pushing(options_.sink, id + ": pushing",
                       options_.sink == nullptr ? 0 : TarSplitTarSize(layout::LayerDir(store_.root(), plan.layer.chain_id) /
                                                                      layout::kLayerTarSplitFile));
  std::thread writer([&] {
    try {
      auto compressing = MakeCompressingSink(options_.compression, stream, what);
      CountedSink counted(*compressing, pushing.bytes());
      store_.layers().WriteTar(plan.layer, counted);
      compressing->Finish();
      stream.Finish();
    } catch (...) {
      stream.Fail(std::current_exception());
    }
  });
  bool streamed = false;
  try {
    streamed = StreamBlob(*session_, http, ref_.path, stream);
  } catch (...) {
    writer.join();
    throw;
  }
  writer.join();
  if (!streamed) return false;
  plan.pushed = Descriptor{std::string(options_.compression.DockerMediaType()), stream.digest(), stream.size(), std::nullopt};
  Say(id + ": Pushed");
  return true;
}

void Pusher::SpoolLayer(HttpClient& http, LayerPlan& plan) {
  const std::string id = Short(plan.layer.diff_id);
  CompressedLayer c = CompressedLayer::Make(store_, plan.layer, options_.compression);
  plan.pushed = Descriptor{std::string(options_.compression.DockerMediaType()), c.digest, c.size, std::nullopt};
  if (BlobSize(http, c.digest)) {
    Say(id + ": Layer already exists");
    return;
  }
  CompressedLayerReader bytes(c);
  ProgressTask pushing(options_.sink, id + ": pushing", c.size);
  CountedSource counted(bytes, pushing.bytes());
  UploadBlob(*session_, http, ref_.path, c.digest, counted, c.size);
  Say(id + ": Pushed");
}

std::vector<Pusher::LayerPlan> Pusher::PlanLayers(const ImageConfig& config) const {
  std::vector<LayerPlan> plans;
  std::optional<Digest> top = TopChainId(config);
  if (!top) return plans;
  const std::string prefix = ref_.domain + "/";
  for (Layer& l : store_.layers().Chain(*top)) {
    LayerPlan p{std::move(l), {}, {}, {}};
    // Newest sightings last: the last one of each kind wins.
    for (const BlobSighting& s : SightingsOf(store_.root(), p.layer.diff_id)) {
      if (s.media_type.empty() || s.source_repository.rfind(prefix, 0) != 0) continue;
      if (!Reusable(s, options_)) continue;
      (s.source_repository == ref_.Repository() ? p.here : p.mount) = s;
    }
    plans.push_back(std::move(p));
  }
  return plans;
}

std::vector<std::string> Pusher::Scopes(const std::vector<LayerPlan>& plans) const {
  std::vector<std::string> scopes = {"repository:" + ref_.path + ":pull,push"};
  for (const LayerPlan& p : plans) {
    if (p.mount && !p.here) {
      scopes.push_back("repository:" + p.mount->source_repository.substr(ref_.domain.size() + 1) + ":pull");
    }
  }
  return scopes;
}

PushResult Pusher::PutManifest(HttpClient& http, const std::string& config, const std::vector<LayerPlan>& plans) {
  const Digest config_digest = Sha256Of(config);
  if (!BlobSize(http, config_digest)) {
    StringSource bytes(config);
    UploadBlob(*session_, http, ref_.path, config_digest, bytes, config.size());
  }
  std::vector<Descriptor> layers;
  for (const LayerPlan& p : plans) layers.push_back(p.pushed);
  const bool oci = NeedsOciManifest(layers);
  const std::string manifest_type(oci ? media_type::kOciManifest : media_type::kDockerManifest);
  nlohmann::ordered_json m;
  m["schemaVersion"] = 2;
  m["mediaType"] = manifest_type;
  m["config"] = {{"mediaType", std::string(oci ? media_type::kOciConfig : media_type::kDockerConfig)},
                 {"size", config.size()},
                 {"digest", config_digest.str()}};
  m["layers"] = nlohmann::ordered_json::array();
  for (const Descriptor& d : layers) {
    m["layers"].push_back(
        {{"mediaType", oci ? OciLayerMediaType(d.media_type) : d.media_type}, {"size", d.size}, {"digest", d.digest.str()}});
  }
  // Indented by three spaces, as Docker writes schema2 manifests.
  const std::string manifest = m.dump(3);
  PushResult result{Sha256Of(manifest), manifest.size()};

  HttpRequest put;
  put.method = "PUT";
  put.url = "/v2/" + ref_.path + "/manifests/" + ref_.tag;
  put.headers.push_back("Content-Type: " + manifest_type);
  put.body = manifest;
  HttpResponse r = session_->Send(http, put);
  if (r.status != 201) throw Error("the registry refused the manifest: " + RegistrySession::ErrorText(r), ref_.String());
  auto answered = r.Header("docker-content-digest");
  if (!answered || *answered != result.manifest_digest.str()) {
    throw Error("the registry stored the manifest as " + answered.value_or("(no Docker-Content-Digest)") +
                    ", but its bytes hash to " + result.manifest_digest.str(),
                ref_.String());
  }
  return result;
}

PushResult Pusher::Run() {
  if (ref_.tag.empty()) throw Error("cannot push a digest reference; push a tag", ref_.String());
  const std::string local = ref_.FamiliarName() + ":" + ref_.tag;
  std::optional<Digest> id = store_.refs().Get(local);
  if (!id) throw Error("no such image in the store: " + local + " (tag an image with 'ubuild tag IMAGE " + local + "')");
  const std::string config = store_.images().GetConfig(*id);
  std::vector<LayerPlan> plans = PlanLayers(ImageConfig::Parse(config, id->str()));

  session_.emplace(ref_.domain, Scopes(plans));
  HttpClient http;
  session_->Ping(http);
  Say("The push refers to repository [" + ref_.Repository() + "]");
  for (auto it = plans.rbegin(); it != plans.rend(); ++it) Say(Short(it->layer.diff_id) + ": Preparing");
  RunConcurrently(plans.size(), kConcurrentUploads, [&](HttpClient& client, size_t i) { PushLayer(client, plans[i]); });
  PushResult result = PutManifest(http, config, plans);

  store_.refs().AddDigest(ref_.FamiliarName(), result.manifest_digest, *id);
  for (const LayerPlan& p : plans) {
    RecordSighting(store_.root(), p.layer.diff_id, BlobSighting{p.pushed.digest, ref_.Repository(), p.pushed.media_type});
  }
  Say(ref_.tag + ": digest: " + result.manifest_digest.str() + " size: " + std::to_string(result.manifest_size));
  return result;
}

}  // namespace

PushResult PushImage(Store& store, const ImageReference& ref, const PushOptions& options) {
  Pusher pusher(store, ref, options);
  return pusher.Run();
}

}  // namespace ubuild::store::registry
