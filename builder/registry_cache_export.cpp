#include "builder/registry_cache_export.h"

#include <algorithm>
#include <map>
#include <set>

#include "builder/dispatch/remote_step_cache.h"
#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/oci_media_types.h"
#include "store/registry/compressed_layer.h"
#include "store/registry/distribution_metadata.h"

namespace ubuild::builder {

namespace {

using store::Digest;
using store::registry::CacheLayer;
using store::registry::Descriptor;

// The layer's blob where the cache goes, with as little moving as can be.
class LayerPlacer {
 public:
  LayerPlacer(store::Store& store, CacheEndpoint& to, RegistryCacheImport* imported)
      : store_(store), to_(to), imported_(imported) {}

  Descriptor Place(const Digest& diff_id, const Digest& chain_id) {
    if (auto blob = FromImport(diff_id)) return *blob;
    if (auto blob = FromSightings(diff_id)) return *blob;
    return Upload(diff_id, chain_id);
  }

 private:
  // The blob's size once the cache has it, mounted if need be.
  std::optional<uint64_t> Reachable(const Digest& blob, const std::string& repository) {
    if (auto size = to_.BlobSize(blob)) return size;
    if (repository.empty() || repository == to_.Repository() || !to_.MountBlob(blob, repository)) return std::nullopt;
    return to_.BlobSize(blob);
  }

  std::optional<Descriptor> FromImport(const Digest& diff_id) {
    if (!imported_) return std::nullopt;
    std::optional<RegistryCacheImport::Source> source = imported_->BlobOf(diff_id);
    if (!source || Reachable(source->layer.blob.digest, source->endpoint->Repository()) != source->layer.blob.size) {
      return std::nullopt;
    }
    return source->layer.blob;
  }

  std::optional<Descriptor> FromSightings(const Digest& diff_id) {
    if (to_.Repository().empty()) return std::nullopt;
    for (const store::registry::BlobSighting& s : store::registry::SightingsOf(store_.root(), diff_id)) {
      if (s.media_type.empty()) continue;
      if (auto size = Reachable(s.blob, s.source_repository)) return Descriptor{s.media_type, s.blob, *size, std::nullopt};
    }
    return std::nullopt;
  }

  Descriptor Upload(const Digest& diff_id, const Digest& chain_id) {
    if (imported_) imported_->Materialize(chain_id);
    std::optional<store::Layer> layer = store_.layers().Get(chain_id);
    if (!layer) throw Error("layer " + diff_id.str() + " is not in the store");
    // gzip, push's default: an image pushed from these blobs by mount gets
    // the blobs a push from the store would upload.
    const store::registry::CompressedLayer compressed =
        store::registry::CompressedLayer::Make(store_, *layer, store::registry::LayerCompression{});
    Descriptor blob{std::string(store::media_type::kDockerLayerGzip), compressed.digest, compressed.size, std::nullopt};
    if (!to_.BlobSize(blob.digest)) {
      store::registry::CompressedLayerReader bytes(compressed);
      to_.PutBlob(blob.digest, bytes, blob.size);
    }
    if (!to_.Repository().empty()) {
      store::Store::Scope adding = store_.Adding();
      store::registry::RecordSighting(store_.root(), diff_id, {blob.digest, to_.Repository(), blob.media_type});
    }
    return blob;
  }

  store::Store& store_;
  CacheEndpoint& to_;
  RegistryCacheImport* imported_;
};

}  // namespace

void RegistryCacheExport::Record(size_t stage, const Digest& key, const store::ImageConfig& image, const Digest& id,
                                 bool made_layer, bool has_alias, bool linked) {
  Step step{stage, key, image.Serialize(), image.diff_ids(), made_layer, has_alias, linked};
  // Only a config that is the image byte for byte is worth keeping: a hit
  // must give the same id.
  if (store::Sha256Of(step.config) != id) return;
  steps_.push_back(std::move(step));
}

std::string RegistryCacheExport::InlineSteps(const std::set<size_t>& image_stages,
                                            const store::ImageConfig& image) const {
  const std::vector<Digest>& layers = image.diff_ids();
  store::registry::CacheManifest cache;
  std::set<Digest> keys;
  for (const Step& step : steps_) {
    if (step.has_alias || step.linked || image_stages.count(step.stage) == 0 || step.diff_ids.size() > layers.size() ||
        !std::equal(step.diff_ids.begin(), step.diff_ids.end(), layers.begin()) || !keys.insert(step.key).second) {
      continue;
    }
    std::optional<size_t> layer;
    if (step.made_layer) layer = step.diff_ids.size() - 1;
    cache.steps.push_back(store::registry::CacheStep{step.key, step.config, layer});
  }
  return store::registry::SerializeCacheManifest(cache).config;
}

void RegistryCacheExport::Export(store::Store& store, const CacheLocation& to, const std::set<size_t>& image_stages,
                                 RegistryCacheImport* imported, const std::function<void(const std::string&)>& say) const {
  std::unique_ptr<CacheEndpoint> endpoint =
      CacheEndpoint::Open(to, true, imported ? imported->Repositories() : std::vector<std::string>{});
  LayerPlacer placer(store, *endpoint, imported);
  store::registry::CacheManifest cache;
  std::map<Digest, size_t> layer_of;  // diff_id -> index into cache.layers
  std::set<Digest> keys;
  std::set<Digest> lost;  // layers neither here nor in the --cache-from cache any more
  for (const Step& step : steps_) {
    if (!to.all_stages && image_stages.count(step.stage) == 0) continue;
    if (std::any_of(step.diff_ids.begin(), step.diff_ids.end(), [&](const Digest& d) { return lost.count(d) > 0; })) {
      continue;
    }
    if (!keys.insert(step.key).second) continue;
    store::registry::CacheStep out{step.key, step.config, std::nullopt};
    if (step.made_layer) {
      const Digest& diff_id = step.diff_ids.back();
      auto [it, added] = layer_of.emplace(diff_id, cache.layers.size());
      if (added) {
        const Digest chain_id = store::ChainIds(step.diff_ids).back();
        try {
          cache.layers.push_back(CacheLayer{placer.Place(diff_id, chain_id), diff_id});
        } catch (const CacheLayerLost& e) {
          // A hit whose layer never came here, its blob gone since: the
          // build is done, so the cache goes without that step and those above.
          say("[Warning] " + e.message() + ": the exported cache leaves out the steps with that layer");
          layer_of.erase(it);
          lost.insert(diff_id);
          continue;
        }
      }
      out.layer = it->second;
    }
    cache.steps.push_back(std::move(out));
  }
  const store::registry::CacheDocuments docs = store::registry::SerializeCacheManifest(cache);
  const Digest config_digest = store::Sha256Of(docs.config);
  if (!endpoint->BlobSize(config_digest)) {
    store::StringSource bytes(docs.config);
    endpoint->PutBlob(config_digest, bytes, docs.config.size());
  }
  endpoint->PutManifest(docs.manifest, store::media_type::kOciManifest);
  say("Exported the build cache (" + std::to_string(cache.steps.size()) + " steps, " +
      std::to_string(cache.layers.size()) + " layers) to " + endpoint->what());
}

}  // namespace ubuild::builder
