#include "builder/registry_cache_image.h"

#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/oci_media_types.h"
#include "store/registry/manifest.h"
#include "store/registry/platform.h"

namespace ubuild::builder {

namespace {

bool SameEntry(const store::HistoryEntry& a, const store::HistoryEntry& b) {
  return a.created == b.created && a.created_by == b.created_by && a.author == b.author && a.comment == b.comment &&
         a.empty_layer == b.empty_layer;
}

}  // namespace

std::optional<CacheImage> StoredCacheImage(store::Store& store, const std::string& ref) {
  store::Store::Scope adding = store.Adding();
  const std::optional<store::Digest> id = store.Resolve(ref);
  if (!id) return std::nullopt;
  std::string bytes = store.images().GetConfig(*id);
  CacheImage image{*id, store::ImageConfig::Parse(bytes, id->str()), std::move(bytes), {}, {}};
  const std::optional<store::Digest> top = store::TopChainId(image.config);
  if (top && !store.layers().Exists(*top)) throw Error("the image's layers are not all in the store");
  // Kept from rmi and prune while the build may take steps from it.
  store.Pin(*id);
  return image;
}

CacheImage RemoteCacheImage(CacheEndpoint& endpoint, const std::string& manifest) {
  namespace reg = store::registry;
  const std::string& what = endpoint.what();
  reg::Manifest m = reg::ParseManifest(manifest, "", what);
  if (m.kind == reg::Manifest::Kind::kIndex) {
    // The platform a pull would have chosen: the host's.
    const reg::Descriptor& chosen = reg::ChoosePlatform(m, reg::Platform::Host(), what);
    m = reg::ParseManifest(endpoint.ReadManifestAt(chosen), "", what);
    if (m.kind != reg::Manifest::Kind::kImage) throw Error("the index entry for this platform is itself an index", what);
  }
  std::vector<store::Digest> blobs;
  for (const reg::Descriptor& layer : m.layers) blobs.push_back(layer.digest);
  std::vector<std::optional<uint64_t>> sizes;
  std::string bytes = endpoint.ReadBlobWithSizes(m.config, blobs, sizes);
  CacheImage image{m.config.digest, store::ImageConfig::Parse(bytes, what), std::move(bytes), {}, {}};
  const std::vector<store::Digest>& diff_ids = image.config.diff_ids();
  if (diff_ids.size() != m.layers.size()) {
    throw Error("the manifest lists " + std::to_string(m.layers.size()) + " layers and the config " +
                    std::to_string(diff_ids.size()),
                what);
  }
  // A layer's diff_id is checked when its blob is fetched and unpacked.
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    image.layers.push_back({m.layers[i], diff_ids[i]});
    if (sizes[i] != m.layers[i].size) image.lost.insert(diff_ids[i]);
  }
  return image;
}

bool IsImageManifest(std::string_view manifest) {
  const nlohmann::json m = nlohmann::json::parse(manifest, nullptr, false);
  if (!m.is_object()) return false;
  const std::string type = m.value("mediaType", "");
  if (type == store::media_type::kOciIndex || type == store::media_type::kDockerManifestList) return true;
  const auto config = m.find("config");
  if (config == m.end() || !config->is_object()) return false;
  const std::string config_type = config->value("mediaType", "");
  return config_type == store::media_type::kOciConfig || config_type == store::media_type::kDockerConfig;
}

std::string LayerStepText(const store::ImageConfig& config, size_t layer) {
  for (const store::HistoryEntry& entry : config.history()) {
    if (entry.empty_layer) continue;
    if (layer == 0) return entry.created_by;
    --layer;
  }
  return "";
}

std::optional<RemoteStepCache::HistoryStep> MatchHistory(const CacheImage& image, const store::ImageConfig& parent,
                                                         const std::string& created_by) {
  const std::vector<store::HistoryEntry>& history = image.config.history();
  const std::vector<store::Digest>& diff_ids = image.config.diff_ids();
  const std::vector<store::HistoryEntry>& below = parent.history();
  const std::vector<store::Digest>& below_ids = parent.diff_ids();
  if (below.size() >= history.size() || below_ids.size() > diff_ids.size()) return std::nullopt;
  for (size_t i = 0; i < below.size(); ++i) {
    if (!SameEntry(below[i], history[i])) return std::nullopt;
  }
  for (size_t i = 0; i < below_ids.size(); ++i) {
    if (below_ids[i] != diff_ids[i]) return std::nullopt;
  }
  const store::HistoryEntry& entry = history[below.size()];
  if (entry.created_by != created_by) return std::nullopt;
  RemoteStepCache::HistoryStep step{image.id, image.config_bytes, below.size() + 1 == history.size(), entry,
                                    std::nullopt};
  if (!entry.empty_layer) {
    // The entry's layer is the one after those of the entries before it.
    size_t layer = 0;
    for (size_t i = 0; i < below.size(); ++i) layer += history[i].empty_layer ? 0 : 1;
    // Docker appends that layer to the parent's: only the next one keeps the chain.
    if (layer != below_ids.size() || layer >= diff_ids.size()) return std::nullopt;
    step.diff_id = diff_ids[layer];
    if (image.lost.count(diff_ids[layer]) > 0) return std::nullopt;
  }
  return step;
}

}  // namespace ubuild::builder
