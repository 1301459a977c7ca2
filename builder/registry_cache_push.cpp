#include "builder/registry_cache_push.h"

#include <nlohmann/json.hpp>

#include "builder/registry_cache_endpoint.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/oci_media_types.h"
#include "store/registry/distribution_metadata.h"
#include "store/registry/image_reference.h"

namespace ubuild::builder {

namespace {

struct Candidate {
  store::Digest blob;
  std::string media_type;
  std::string repository;  // "domain/path"
};

// Where each layer has a blob on `domain`, or nullopt when one has none.
std::optional<std::vector<Candidate>> Blobs(store::Store& store, const RegistryCacheImport& imported,
                                            const std::vector<store::Digest>& diff_ids, const std::string& domain) {
  std::vector<Candidate> out;
  const std::string prefix = domain + "/";
  for (const store::Digest& diff_id : diff_ids) {
    std::optional<Candidate> found;
    if (auto source = imported.BlobOf(diff_id); source && source->endpoint->Repository().rfind(prefix, 0) == 0) {
      found = Candidate{source->layer.blob.digest, source->layer.blob.media_type, source->endpoint->Repository()};
    }
    for (const store::registry::BlobSighting& s : store::registry::SightingsOf(store.root(), diff_id)) {
      if (!found && !s.media_type.empty() && s.source_repository.rfind(prefix, 0) == 0) {
        found = Candidate{s.blob, s.media_type, s.source_repository};
      }
    }
    if (!found) return std::nullopt;
    out.push_back(*found);
  }
  return out;
}

}  // namespace

bool PushFromCache(store::Store& store, const RegistryCacheImport& imported, const std::string& config,
                   const std::vector<std::string>& tags, const std::function<void(const std::string&)>& say) {
  const std::vector<store::Digest> diff_ids = store::ParseDiffIds(config, "the built image's config");
  std::vector<std::vector<Candidate>> plans;
  for (const std::string& tag : tags) {
    auto blobs = Blobs(store, imported, diff_ids, store::registry::ImageReference::Parse(tag).domain);
    if (!blobs) return false;
    plans.push_back(std::move(*blobs));
  }
  for (size_t t = 0; t < tags.size(); ++t) {
    std::vector<std::string> sources;
    for (const Candidate& c : plans[t]) sources.push_back(c.repository);
    CacheLocation location;
    location.ref = tags[t];
    std::unique_ptr<CacheEndpoint> target = CacheEndpoint::Open(location, true, sources);
    nlohmann::ordered_json m;
    m["schemaVersion"] = 2;
    m["mediaType"] = std::string(store::media_type::kDockerManifest);
    m["config"] = {{"mediaType", std::string(store::media_type::kDockerConfig)},
                   {"size", config.size()},
                   {"digest", store::Sha256Of(config).str()}};
    m["layers"] = nlohmann::ordered_json::array();
    for (const Candidate& c : plans[t]) {
      std::optional<uint64_t> size = target->BlobSize(c.blob);
      if (size) {
        say(c.blob.hex().substr(0, 12) + ": Layer already exists");
      } else {
        if (target->MountBlob(c.blob, c.repository)) size = target->BlobSize(c.blob);
        // Gone from the cache since it was checked, or a registry that
        // does not mount: the layers come in and the image is pushed from
        // the store (a blob gone fails their download: the build starts over).
        if (!size) return false;
        say(c.blob.hex().substr(0, 12) + ": Mounted from " + c.repository);
      }
      m["layers"].push_back({{"mediaType", c.media_type}, {"size", *size}, {"digest", c.blob.str()}});
    }
    const store::Digest config_digest = store::Sha256Of(config);
    if (!target->BlobSize(config_digest)) {
      store::StringSource bytes(config);
      target->PutBlob(config_digest, bytes, config.size());
    }
    // Indented by three spaces, as `push` (and Docker) write schema2 manifests.
    const std::string manifest = m.dump(3);
    target->PutManifest(manifest, store::media_type::kDockerManifest);
    say(tags[t] + ": digest: " + store::Sha256Of(manifest).str() + " size: " + std::to_string(manifest.size()));
  }
  return true;
}

}  // namespace ubuild::builder
