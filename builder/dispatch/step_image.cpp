#include "builder/dispatch/step_image.h"

#include "builder/dispatch/step_commit.h"
#include "store/base/error.h"

namespace ubuild::builder {

store::ImageConfig ChildConfig(const StageImage& parent, store::ImageConfig next, const std::string& created_by,
                               const std::string& created, const std::optional<store::Layer>& layer) {
  next.BecomeChild();
  store::HistoryEntry h;
  h.created = created;
  h.created_by = created_by;
  // Docker stamps every entry after MAINTAINER with the author.
  h.author = next.author;
  h.empty_layer = !layer.has_value();
  next.AddHistory(std::move(h));
  next.created = created;
  // The container config records which image a step ran on, as Docker's does.
  next.config()["Image"] = parent.id ? parent.id->str() : "";
  if (layer) next.diff_ids().push_back(layer->diff_id);
  return next;
}

namespace {

// The intermediates are written before the content, as Put writes the
// parent: once the content is visible the image is complete. Added under
// ROOT/lock shared and pinned, so no rmi or prune takes it from the build.
store::Digest Put(BuildContext& ctx, const std::optional<store::Digest>& stored_parent,
                  const std::vector<store::Digest>& intermediates, const std::string& config_bytes) {
  store::Store::Scope adding = ctx.store.Adding();
  if (!intermediates.empty()) ctx.store.images().SetIntermediates(store::Sha256Of(config_bytes), intermediates);
  store::Digest id = ctx.store.images().Put(config_bytes, stored_parent);
  ctx.store.Pin(id);
  return id;
}

}  // namespace

store::Digest PutStepImage(BuildContext& ctx, const StageImage& parent, const std::string& config_bytes) {
  return Put(ctx, parent.StoredBase(), parent.unstored, config_bytes);
}

namespace {

// `image` becomes the unstored child `id` with this config.
void AdvanceUnstored(StageImage& image, store::ImageConfig config, const store::Digest& id) {
  if (image.unstored.empty()) image.stored_parent = image.id;
  image.unstored.push_back(id);
  image.config = std::move(config);
  image.id = id;
}

// A hit on a step a build left unstored: `config` is the child made with
// the recorded time, which hashes to the recorded `id`.
void UseUnstored(BuildContext& ctx, StageImage& image, store::ImageConfig& config, const store::Digest& id) {
  store::Store::Scope adding = ctx.store.Adding();
  if (ctx.store.images().Exists(id)) {
    ctx.store.Pin(id);
    // The stage's last image was stored: continue from the record.
    image.unstored.clear();
    image.config = std::move(config);
    image.id = id;
  } else {
    AdvanceUnstored(image, std::move(config), id);
  }
  ctx.log.UsingCache();
  ctx.log.StepDone(id.str());
}

}  // namespace

void CommitConfigStep(BuildContext& ctx, StageImage& image, store::ImageConfig next, const store::Digest& key,
                      const std::string& created_by) {
  if (ProbeCache(ctx, key, image)) return;
  std::optional<store::UnstoredStep> hit;
  if (!ctx.options.no_cache) hit = ctx.cache.LookupUnstored(key);
  if (!hit && ProbeImageHistory(ctx, key, image, next, created_by)) return;
  std::string created = hit ? hit->created : StepCreated(ctx);
  // One child config, made once: with a hit it carries the recorded time.
  store::ImageConfig config = ChildConfig(image, std::move(next), created_by, created, std::nullopt);
  store::Digest id = config.Id();
  if (hit) {
    // A config that no longer hashes to the id (another ubuild wrote it
    // differently) is a miss, not a wrong image: made again with this build's time.
    if (id == hit->image_id) {
      UseUnstored(ctx, image, config, id);
      return;
    }
    created = StepCreated(ctx);
    config.created = created;
    config.history().back().created = created;
    id = config.Id();
  }
  ctx.cache.RecordUnstored(key, store::UnstoredStep{id, created});
  AdvanceUnstored(image, std::move(config), id);
  ctx.log.StepDone(id.str());
}

void StoreStageImage(BuildContext& ctx, StageImage& image) {
  if (image.unstored.empty()) return;
  std::vector<store::Digest> below(image.unstored.begin(), image.unstored.end() - 1);
  const std::string bytes =
      ctx.remote_cache ? ctx.remote_cache->ConfigBytes(*image.id, image.config) : image.config.Serialize();
  store::Digest id = Put(ctx, image.stored_parent, below, bytes);
  if (id != *image.id) throw Error("internal error: the stage's image changed when stored");
  image.unstored.clear();
}

}  // namespace ubuild::builder
