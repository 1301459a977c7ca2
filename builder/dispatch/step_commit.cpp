#include "builder/dispatch/step_commit.h"

#include "builder/dispatch/step_image.h"
#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/source_date_epoch.h"

namespace ubuild::builder {

store::Digest StepCacheKey(const StageImage& parent, const std::string& created_by) {
  store::Json key = store::Json::object();
  if (parent.id) {
    key["parent"] = parent.id->str();
  } else {
    key["parent"] = "";
    key["config"] = parent.config.config();
    key["author"] = parent.config.author;
  }
  key["created_by"] = created_by;
  return store::Sha256Of(key.dump(-1, ' ', false, store::Json::error_handler_t::replace));
}

std::string StepCreated(const BuildContext& ctx) {
  return store::CreatedAt(ctx.source_date_epoch);
}

store::Digest CopyFromCacheKey(const StageImage& parent, const store::Digest& source_image, const std::string& words) {
  store::Json key = store::Json::object();
  key["parent"] = parent.id ? parent.id->str() : "";
  if (!parent.id) key["config"] = parent.config.config();
  key["copy_from"] = source_image.str();
  key["words"] = words;
  return store::Sha256Of(key.dump(-1, ' ', false, store::Json::error_handler_t::replace));
}

store::Digest LinkedLayerKey(const std::string& words, const std::string& dest, const std::string& workdir,
                             const std::string& owner, const std::optional<int64_t>& source_date_epoch) {
  store::Json key = store::Json::object();
  key["linked"] = words;
  if (dest.empty() || dest[0] != '/') key["workdir"] = workdir;
  if (!owner.empty()) key["owner"] = owner;
  if (source_date_epoch) key["source_date_epoch"] = *source_date_epoch;
  return store::Sha256Of(key.dump(-1, ' ', false, store::Json::error_handler_t::replace));
}

std::optional<store::Layer> ProbeLinkedLayer(BuildContext& ctx, const store::Digest& key) {
  if (ctx.options.no_cache) return std::nullopt;
  store::Store::Scope adding = ctx.store.Adding();
  std::optional<store::Digest> image = ctx.cache.Lookup(key);
  if (!image) return std::nullopt;
  std::optional<store::Layer> layer;
  try {
    std::optional<store::Digest> top =
        store::TopChainId(store::ImageConfig::Parse(ctx.store.images().GetConfig(*image), image->str()));
    if (top) layer = ctx.store.layers().Get(*top);
  } catch (const Error&) {
    return std::nullopt;  // a damaged record: make the layer again
  }
  if (layer) ctx.store.Pin(layer->chain_id);
  return layer;
}

void RecordLinkedLayer(BuildContext& ctx, const store::Digest& key, const store::Digest& image_id) {
  store::Store::Scope adding = ctx.store.Adding();
  ctx.cache.Record(key, image_id);
}

namespace {

// `image` moves to `config` (whose id is `id`), an image the cache's layers
// make: stored already, or left unstored above the stage's stored image.
void UseRemoteImage(BuildContext& ctx, StageImage& image, store::ImageConfig config, const store::Digest& id) {
  store::Store::Scope adding = ctx.store.Adding();
  if (ctx.store.images().Exists(id)) {
    ctx.store.Pin(id);
    image.unstored.clear();
  } else {
    if (image.unstored.empty()) image.stored_parent = image.id;
    image.unstored.push_back(id);
  }
  image.top_chain = store::TopChainId(config);
  image.config = std::move(config);
  image.id = id;
  ctx.log.UsingCache();
  ctx.log.StepDone(id.str());
}

}  // namespace

// A hit in --cache-from: the step's image is the recorded config, whose
// layers may not be here yet. Like a config-only step's, it is not stored
// until a later step or the stage's end stores an image above it.
bool ProbeRemoteCache(BuildContext& ctx, const store::Digest& key, StageImage& image) {
  if (ctx.options.no_cache || ctx.remote_cache == nullptr) return false;
  std::optional<std::string> bytes = ctx.remote_cache->Lookup(key);
  if (!bytes) return false;
  store::Digest id = store::Sha256Of(*bytes);
  UseRemoteImage(ctx, image, store::ImageConfig::Parse(*bytes, id.str()), id);
  return true;
}

bool ProbeRemoteLinkedLayer(BuildContext& ctx, const store::Digest& linked_key, StageImage& image,
                            const std::string& created_by) {
  if (ctx.options.no_cache || ctx.remote_cache == nullptr) return false;
  std::optional<store::Digest> diff_id = ctx.remote_cache->LinkedLayer(linked_key, image.top_chain);
  if (!diff_id) return false;
  // The config a cold build on this base writes: only the layer is the
  // cache's, the parent and history are this build's.
  store::Layer layer;
  layer.diff_id = *diff_id;
  layer.chain_id = store::NextChainId(image.top_chain, *diff_id);
  store::ImageConfig config = ChildConfig(image, image.config, created_by, StepCreated(ctx), layer);
  const store::Digest id = config.Id();
  UseRemoteImage(ctx, image, std::move(config), id);
  return true;
}

bool ProbeImageHistory(BuildContext& ctx, const store::Digest& key, StageImage& image, const store::ImageConfig& next,
                       const std::string& created_by) {
  if (ctx.options.no_cache || ctx.remote_cache == nullptr) return false;
  // `next` has the parent's history and layers (the step adds neither
  // yet), and a config step may have moved the parent's config into it.
  std::optional<RemoteStepCache::HistoryStep> hit = ctx.remote_cache->LookupHistory(next, created_by);
  if (!hit) return false;
  store::ImageConfig config = store::ImageConfig::Scratch();
  if (hit->last) {
    // Docker takes the cache image whole here, whatever config this build
    // would have given the step.
    config = store::ImageConfig::Parse(hit->image_config, hit->image.str());
  } else {
    config = ChildConfig(image, next, created_by, hit->entry.created, std::nullopt);
    config.history().back() = hit->entry;
    if (hit->diff_id) config.diff_ids().push_back(*hit->diff_id);
  }
  const std::string bytes = hit->last ? hit->image_config : config.Serialize();
  store::Digest id = store::Sha256Of(bytes);
  const std::optional<store::Digest> top_chain = store::TopChainId(config);
  store::Store::Scope adding = ctx.store.Adding();
  if (ctx.store.images().Exists(id)) {
    ctx.store.Pin(id);
    image.unstored.clear();
    ctx.cache.Record(key, id);
  } else if (!top_chain || ctx.store.layers().Exists(*top_chain)) {
    id = PutStepImage(ctx, image, bytes);
    image.unstored.clear();
    ctx.cache.Record(key, id);
  } else {
    // The layer is still in the cache image's registry: as a --cache-from
    // hit's, the image is stored once a step or the stage's end brings its
    // layers in, and only a stored image is recorded in the local cache.
    if (image.unstored.empty()) image.stored_parent = image.id;
    image.unstored.push_back(id);
  }
  image.config = std::move(config);
  image.id = id;
  image.top_chain = top_chain;
  ctx.log.UsingCache();
  ctx.log.StepDone(id.str());
  return true;
}

bool ProbeCache(BuildContext& ctx, const store::Digest& key, StageImage& image) {
  ctx.step_key = key;
  if (ctx.options.no_cache) return false;
  std::optional<store::Digest> hit;
  {
    // Looked up and pinned under ROOT/lock, so no rmi or prune removes the
    // hit between the lookup and its use.
    store::Store::Scope adding = ctx.store.Adding();
    hit = ctx.cache.Lookup(key);
  }
  if (!hit) return ProbeRemoteCache(ctx, key, image);
  store::Store::Scope adding = ctx.store.Adding();
  StageImage cached;
  try {
    cached.config = store::ImageConfig::Parse(ctx.store.images().GetConfig(*hit), hit->str());
    cached.id = hit;
    cached.top_chain = store::TopChainId(cached.config);
    // A cached image must still have all its layers; otherwise rebuild the step.
    if (cached.top_chain && !ctx.store.layers().Exists(*cached.top_chain)) return false;
  } catch (const Error&) {
    return false;
  }
  ctx.store.Pin(*hit);
  image = std::move(cached);
  ctx.log.UsingCache();
  ctx.log.StepDone(hit->str());
  return true;
}

void CommitStep(BuildContext& ctx, StageImage& image, store::ImageConfig next, const store::Digest& key,
                const std::string& created_by, const std::optional<store::Layer>& layer) {
  next = ChildConfig(image, std::move(next), created_by, StepCreated(ctx), layer);
  store::Store::Scope adding = ctx.store.Adding();
  store::Digest id = PutStepImage(ctx, image, next.Serialize());
  ctx.cache.Record(key, id);
  image.config = std::move(next);
  image.id = id;
  image.unstored.clear();
  if (layer) image.top_chain = layer->chain_id;
  ctx.log.StepDone(id.str());
}

}  // namespace ubuild::builder
