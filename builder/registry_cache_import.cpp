#include "builder/registry_cache_import.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/registry/distribution_metadata.h"
#include "store/image_config.h"

namespace ubuild::builder {

RegistryCacheImport::RegistryCacheImport(store::Store& store, const std::vector<CacheLocation>& locations,
                                         const std::function<void(const std::string&)>& warn,
                                         const OpenEndpoint& open)
    : store_(store) {
  const OpenEndpoint opener =
      open ? open : [](const CacheLocation& location) { return CacheEndpoint::Open(location, false); };
  for (const CacheLocation& location : locations) {
    auto unusable = [&](const std::string& why) {
      warn("[Warning] cannot use the build cache " + location.Describe() + " (" + why + "); the steps it holds will run");
    };
    try {
      Load(location, opener, warn);
    } catch (const Error& e) {
      if (e.exit_code() != 1) throw;  // interrupted: not the cache's fault
      unusable(e.message());
    } catch (const std::exception& e) {
      // A document of the wrong shape can fail in the JSON library (a
      // string where a number goes) rather than in ubuild's own checks.
      unusable(e.what());
    }
  }
}

void RegistryCacheImport::Load(const CacheLocation& location, const OpenEndpoint& open,
                               const std::function<void(const std::string&)>& say) {
  const bool image_ref = location.kind == CacheLocation::Kind::kImage;
  // Docker's classic --cache-from takes the engine's image: the store's, when it has one.
  if (std::optional<CacheImage> stored; image_ref && (stored = StoredCacheImage(store_, location.ref))) {
    AddImage(std::move(*stored), nullptr, location.ref, say);
    return;
  }
  std::unique_ptr<CacheEndpoint> endpoint = open(location);
  const std::string what = endpoint->what();
  std::optional<std::string> manifest = endpoint->ReadManifest();
  if (!manifest) throw Error(image_ref ? "the image is in neither the store nor its registry" : "there is no cache there");
  const bool image = IsImageManifest(*manifest);
  if (image_ref && !image) throw Error("it names no image (a build cache is read with type=registry,ref=)");
  if (image_ref || (location.kind == CacheLocation::Kind::kRegistry && image)) {
    AddImage(RemoteCacheImage(*endpoint, *manifest), endpoint.get(), location.ref, say);
    locations_.emplace(endpoint.get(), location);
    endpoints_.push_back(std::move(endpoint));
    return;
  }
  store::registry::CacheManifest cache;
  const store::registry::Descriptor config = store::registry::ParseCacheManifest(*manifest, &cache, what);
  // A directory's blobs are checked here, a stat each. A registry's are
  // not: a HEAD per layer would cost every load a round trip and the
  // registry a request per layer, for blobs that are nearly always there
  // and that can go between any check and the GET anyway. A blob found gone
  // when it is fetched starts the build over without it (Materialize); one
  // never fetched (a stage the image does not need) costs nothing.
  std::vector<std::optional<uint64_t>> sizes;
  if (endpoint->BlobSizeIsLocal()) {
    std::vector<store::Digest> blobs;
    for (const store::registry::CacheLayer& layer : cache.layers) blobs.push_back(layer.blob.digest);
    store::registry::ParseCacheConfig(endpoint->ReadBlobWithSizes(config, blobs, sizes), &cache, what);
  } else {
    store::registry::ParseCacheConfig(endpoint->ReadBlob(config), &cache, what);
    for (const store::registry::CacheLayer& layer : cache.layers) sizes.push_back(layer.blob.size);
  }

  // Everything is worked out aside and kept only once the whole cache has
  // been read: a cache that fails half way adds nothing.
  std::vector<Source> sources;
  std::set<store::Digest> gone;  // diff_ids whose blob is gone, here and from the caches loaded before
  for (size_t i = 0; i < cache.layers.size(); ++i) {
    const store::registry::CacheLayer& layer = cache.layers[i];
    if (sizes[i] == layer.blob.size) {
      sources.push_back(Source{layer, endpoint.get()});
    } else if (by_diff_id_.count(layer.diff_id) == 0) {
      gone.insert(layer.diff_id);
    }
  }
  for (const Source& source : sources) gone.erase(source.layer.diff_id);
  std::vector<std::pair<store::Digest, CacheSteps::Step>> kept;
  std::set<store::Digest> warned;
  for (const store::registry::CacheStep& step : cache.steps) {
    CacheSteps::Step read = CacheSteps::Read(step.config, what);
    const std::vector<store::Digest>& d = read.diff_ids;
    // A step whose image has a lost layer cannot be used, nor can any
    // step above it (their images have the layer too); the rest of the
    // cache still serves.
    auto lost = std::find_if(d.begin(), d.end(), [&](const store::Digest& id) { return gone.count(id) > 0; });
    if (lost == d.end()) {
      kept.emplace_back(step.key, std::move(read));
      continue;
    }
    if (step.layer && cache.layers[*step.layer].diff_id == *lost && warned.insert(*lost).second) {
      const std::string text = read.created_by.value_or(step.key.str());
      say("[Warning] the build cache " + location.Describe() + " lost the blob of layer " + lost->str() +
          ": the step \"" + text + "\" and those after it will run");
    }
  }

  const size_t base = sources_.size();
  for (size_t i = 0; i < sources.size(); ++i) by_diff_id_.emplace(sources[i].layer.diff_id, base + i);
  sources_.insert(sources_.end(), sources.begin(), sources.end());
  for (auto& [key, step] : kept) {
    AddChains(step.diff_ids);
    steps_.Add(key, std::move(step));
  }
  if (location.kind != CacheLocation::Kind::kLocal) locations_.emplace(endpoint.get(), location);
  endpoints_.push_back(std::move(endpoint));
}

void RegistryCacheImport::AddChains(const std::vector<store::Digest>& diff_ids) {
  const std::vector<store::Digest> c = store::ChainIds(diff_ids);
  for (size_t k = 0; k < diff_ids.size(); ++k) {
    auto source = by_diff_id_.find(diff_ids[k]);
    if (source == by_diff_id_.end()) continue;  // a base image's layer: the build pulled it
    chains_.emplace(c[k], Link{k == 0 ? std::nullopt : std::optional(c[k - 1]), source->second});
  }
}

void RegistryCacheImport::AddImage(CacheImage image, CacheEndpoint* endpoint, const std::string& ref,
                                   const std::function<void(const std::string&)>& say) {
  // A blob a cache loaded before holds is not lost to this build.
  for (auto it = image.lost.begin(); it != image.lost.end();) it = by_diff_id_.count(*it) > 0 ? image.lost.erase(it) : std::next(it);
  // --cache-to type=inline's steps: their layers are the image's. Read
  // whole before anything is kept, as a cache is.
  store::registry::CacheManifest cache;
  std::vector<CacheSteps::Step> read;  // each step's
  if (std::string steps = image.config.OtherString(store::registry::kInlineBuildCacheKey); !steps.empty()) {
    const std::string what = ref + " (inline build cache)";
    for (const store::Digest& diff_id : image.config.diff_ids()) cache.layers.push_back({{}, diff_id});
    store::registry::ParseCacheConfig(steps, &cache, what);
    for (const store::registry::CacheStep& step : cache.steps) read.push_back(CacheSteps::Read(step.config, what));
  }
  // A remote image's layers become sources as a cache's are: fetched only
  // when Materialize needs them, mounted by a --push from the cache. A
  // lost one is none: its step and those above it run (MatchHistory).
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const store::registry::CacheLayer& layer = image.layers[i];
    if (image.lost.count(layer.diff_id) > 0) {
      say("[Warning] the cache image " + ref + " lost the blob " + layer.blob.digest.str() + " of layer " +
          layer.diff_id.str() + ": the step \"" + LayerStepText(image.config, i) + "\" and those after it will run");
      continue;
    }
    by_diff_id_.emplace(layer.diff_id, sources_.size());
    sources_.push_back(Source{layer, endpoint});
  }
  AddChains(image.config.diff_ids());
  for (size_t i = 0; i < cache.steps.size(); ++i) {
    // As a build cache's step: one whose image has a lost layer is dropped.
    const std::vector<store::Digest>& d = read[i].diff_ids;
    if (std::any_of(d.begin(), d.end(), [&](const store::Digest& id) { return image.lost.count(id) > 0; })) continue;
    AddChains(d);
    steps_.Add(cache.steps[i].key, std::move(read[i]));
  }
  image_configs_.emplace(image.id, image.config_bytes);
  images_.push_back(std::move(image));
}

std::optional<std::string> RegistryCacheImport::Lookup(const store::Digest& key) {
  const CacheSteps::Step* step = steps_.Find(key);
  // The first probe after a prefetch began is its COPY's: a hit on a step
  // with that layer keeps it; otherwise the sources changed (or the store
  // had the step) and the fetch is cancelled now rather than left to run
  // beside the steps that follow.
  if (guess_) {
    if (step != nullptr && !step->diff_ids.empty() && step->diff_ids.back() == guess_->diff_id()) {
      prefetches_.push_back(std::move(guess_));
    }
    guess_.reset();
  }
  if (step == nullptr) return std::nullopt;
  return step->config;
}

std::optional<store::Digest> RegistryCacheImport::LinkedLayer(const store::Digest& linked_key,
                                                             const std::optional<store::Digest>& parent) {
  const CacheSteps::Step* step = steps_.Find(linked_key);
  if (step == nullptr) return std::nullopt;
  // The step's image on the exporter's base: its last layer is the one the
  // step made (the exporter records a linked key only for such steps).
  const std::vector<store::Digest>& diff_ids = step->diff_ids;
  if (diff_ids.empty()) return std::nullopt;
  auto source = by_diff_id_.find(diff_ids.back());
  if (source == by_diff_id_.end()) return std::nullopt;  // an inline cache's: no blob of its own to restack
  chains_.emplace(store::NextChainId(parent, diff_ids.back()), Link{parent, source->second});
  return diff_ids.back();
}

void RegistryCacheImport::Materialize(const std::optional<store::Digest>& top_chain) {
  try {
    Bring(top_chain);
  } catch (const BlobUnavailable& e) {
    std::vector<store::Digest> lost;  // the diff_ids whose layers that blob held
    for (const auto& [diff_id, index] : by_diff_id_) {
      if (sources_[index].layer.blob.digest == e.blob) lost.push_back(diff_id);
    }
    if (lost.empty()) throw;
    const std::string what = sources_[by_diff_id_.at(lost.front())].endpoint->what();
    for (const store::Digest& diff_id : lost) Forget(diff_id);
    throw CacheLayerLost("the build cache " + what + " lost the blob " + e.blob.str() + " of layer " +
                         lost.front().str() + " (" + e.message() + ")");
  }
}

void RegistryCacheImport::Forget(const store::Digest& diff_id) {
  auto source = by_diff_id_.find(diff_id);
  const size_t index = source->second;
  lost_sources_.insert(index);
  // Another loaded cache with the layer serves it from now on: its steps stay.
  for (size_t other = 0; other < sources_.size(); ++other) {
    if (sources_[other].layer.diff_id != diff_id || lost_sources_.count(other) > 0) continue;
    source->second = other;
    for (auto& [chain_id, link] : chains_) {
      if (link.source == index) link.source = other;
    }
    return;
  }
  by_diff_id_.erase(source);
  for (auto it = chains_.begin(); it != chains_.end();) it = it->second.source == index ? chains_.erase(it) : std::next(it);
  steps_.DropWithLayer(diff_id);
  // Only the images with that layer have a step that names it.
  for (CacheImage& image : images_) image.lost.insert(diff_id);
}

void RegistryCacheImport::Bring(const std::optional<store::Digest>& top_chain) {
  std::vector<store::Digest> missing;  // top first
  for (std::optional<store::Digest> at = top_chain; at && !store_.layers().Exists(*at);) {
    auto link = chains_.find(*at);
    if (link == chains_.end()) throw Error("layer " + at->str() + " is in neither the store nor the build cache");
    missing.push_back(*at);
    at = link->second.parent;
  }
  std::reverse(missing.begin(), missing.end());  // bottom first
  // Each cache's blobs fetched together (a registry's several at once),
  // then registered one on another, bottom first.
  std::map<CacheEndpoint*, std::vector<size_t>> by_endpoint;  // indexes into missing
  std::vector<std::unique_ptr<CacheEndpoint::FetchedLayer>> fetched(missing.size());
  for (size_t i = 0; i < missing.size(); ++i) {
    const Source& source = sources_[chains_.at(missing[i]).source];
    fetched[i] = TakePrefetched(source.layer.diff_id);
    if (!fetched[i]) by_endpoint[source.endpoint].push_back(i);
  }
  for (const auto& [endpoint, indexes] : by_endpoint) {
    std::vector<store::registry::CacheLayer> layers;
    for (size_t i : indexes) layers.push_back(sources_[chains_.at(missing[i]).source].layer);
    store::Store::Scope adding = store_.Adding();
    std::vector<std::unique_ptr<CacheEndpoint::FetchedLayer>> got = endpoint->FetchLayers(store_, layers, nullptr);
    for (size_t k = 0; k < indexes.size(); ++k) fetched[indexes[k]] = std::move(got[k]);
  }
  for (size_t i = 0; i < missing.size(); ++i) {
    const Link& link = chains_.at(missing[i]);
    const Source& source = sources_[link.source];
    store::Store::Scope adding = store_.Adding();
    store::Layer layer = fetched[i]->Register(store_, link.parent);
    if (layer.chain_id != missing[i]) throw Error("internal error: the cached layer registered as another chain", missing[i].str());
    // Kept from prune until an image of this build names it.
    store_.Pin(layer.chain_id);
    // The next push of this layer mounts it from the cache instead of compressing it again.
    if (!source.endpoint->Repository().empty()) {
      store::registry::RecordSighting(store_.root(), source.layer.diff_id,
                                      {source.layer.blob.digest, source.endpoint->Repository(), source.layer.blob.media_type});
    }
  }
}

void RegistryCacheImport::PrefetchLikelyHit(const store::ImageConfig& parent,
                                            const std::optional<store::Digest>& parent_chain, const std::string& head,
                                            const std::string& tail) {
  guess_.reset();  // its COPY had no remote probe (a hit in the store): not wanted
  const std::optional<store::Digest> likely = steps_.LikelyLayer(parent, head, tail);
  if (!likely || store_.layers().Exists(store::NextChainId(parent_chain, *likely))) return;
  auto source = by_diff_id_.find(*likely);
  if (source == by_diff_id_.end()) return;
  auto location = locations_.find(sources_[source->second].endpoint);
  if (location == locations_.end()) return;  // a directory's blob: read in place when registered, nothing to win
  for (const auto& p : prefetches_) {
    if (p->diff_id() == *likely) return;
  }
  guess_ = std::make_unique<CachePrefetch>(store_, location->second, sources_[source->second].layer);
}

std::unique_ptr<CacheEndpoint::FetchedLayer> RegistryCacheImport::TakePrefetched(const store::Digest& diff_id) {
  if (guess_ && guess_->diff_id() == diff_id) return std::exchange(guess_, nullptr)->Take();
  auto it = std::find_if(prefetches_.begin(), prefetches_.end(), [&](const auto& p) { return p->diff_id() == diff_id; });
  if (it == prefetches_.end()) return nullptr;
  std::unique_ptr<CacheEndpoint::FetchedLayer> fetched = (*it)->Take();
  prefetches_.erase(it);
  return fetched;
}

std::optional<RemoteStepCache::HistoryStep> RegistryCacheImport::LookupHistory(const store::ImageConfig& parent,
                                                                              const std::string& created_by) {
  for (const CacheImage& image : images_) {
    std::optional<HistoryStep> step = MatchHistory(image, parent, created_by);
    if (!step) continue;
    // As moby: once a step is taken from an image short of its end, later
    // steps come from that image only.
    if (!step->last && images_.size() > 1) images_ = {image};
    return step;
  }
  return std::nullopt;
}

std::optional<std::string> RegistryCacheImport::CacheImageConfig(const store::Digest& id) {
  auto it = image_configs_.find(id);
  if (it == image_configs_.end()) return std::nullopt;
  return it->second;
}

std::optional<RegistryCacheImport::Source> RegistryCacheImport::BlobOf(const store::Digest& diff_id) const {
  auto it = by_diff_id_.find(diff_id);
  if (it == by_diff_id_.end()) return std::nullopt;
  return sources_[it->second];
}

std::vector<std::string> RegistryCacheImport::Repositories() const {
  std::vector<std::string> repos;
  for (const auto& e : endpoints_) {
    if (!e->Repository().empty()) repos.push_back(e->Repository());
  }
  return repos;
}

}  // namespace ubuild::builder
