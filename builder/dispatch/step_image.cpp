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

bool ProbeUnstored(BuildContext& ctx, const store::Digest& key, StageImage& image, const store::ImageConfig& next,
                   const std::string& created_by) {
  if (ctx.options.no_cache) return false;
  std::optional<store::UnstoredStep> hit = ctx.cache.LookupUnstored(key);
  if (!hit) return false;
  store::ImageConfig config = ChildConfig(image, next, created_by, hit->created, std::nullopt);
  // A config that no longer hashes to the id (another ubuild wrote it
  // differently) is a miss, not a wrong image.
  if (store::Sha256Of(config.Serialize()) != hit->image_id) return false;
  store::Store::Scope adding = ctx.store.Adding();
  if (ctx.store.images().Exists(hit->image_id)) {
    ctx.store.Pin(hit->image_id);
    // The stage's last image was stored: continue from the record.
    image.unstored.clear();
    image.config = std::move(config);
    image.id = hit->image_id;
  } else {
    AdvanceUnstored(image, std::move(config), hit->image_id);
  }
  ctx.log.UsingCache();
  ctx.log.StepDone(hit->image_id.str());
  return true;
}

}  // namespace

void CommitConfigStep(BuildContext& ctx, StageImage& image, store::ImageConfig next, const store::Digest& key,
                      const std::string& created_by) {
  if (ProbeCache(ctx, key, image)) return;
  if (ProbeUnstored(ctx, key, image, next, created_by)) return;
  std::string created = StepCreated(ctx);
  store::ImageConfig config = ChildConfig(image, std::move(next), created_by, created, std::nullopt);
  store::Digest id = store::Sha256Of(config.Serialize());
  ctx.cache.RecordUnstored(key, store::UnstoredStep{id, created});
  AdvanceUnstored(image, std::move(config), id);
  ctx.log.StepDone(id.str());
}

void StoreStageImage(BuildContext& ctx, StageImage& image) {
  if (image.unstored.empty()) return;
  std::vector<store::Digest> below(image.unstored.begin(), image.unstored.end() - 1);
  store::Digest id = Put(ctx, image.stored_parent, below, image.config.Serialize());
  if (id != *image.id) throw Error("internal error: the stage's image changed when stored");
  image.unstored.clear();
}

}  // namespace ubuild::builder
