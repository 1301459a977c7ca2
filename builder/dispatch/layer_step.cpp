#include "builder/dispatch/layer_step.h"

#include "store/base/error.h"
#include "store/chain_id.h"
#include "store/layer_rebase.h"

namespace ubuild::builder {

namespace {

// Removes the pending upperdir unless the step got as far as committing it
// (Prepare and Finish empty it when they consume or discard it).
class PendingGuard {
 public:
  PendingGuard(store::LayerStore& layers, store::PendingLayer p) : layers_(layers), pending_(std::move(p)) {}
  ~PendingGuard() {
    try {
      layers_.Discard(pending_);
    } catch (...) {
      // Store::Open removes what is left on the next command.
    }
  }
  store::PendingLayer& get() { return pending_; }

 private:
  store::LayerStore& layers_;
  store::PendingLayer pending_;  // emptied by whatever consumes it
};

// A fresh pending dir, made under ROOT/lock so that the leftover sweep of a
// process running beside this one never takes it for a dead build's.
store::PendingLayer NewPending(BuildContext& ctx) {
  store::Store::Scope adding = ctx.store.Adding();
  return ctx.store.layers().CreatePending();
}

}  // namespace

std::optional<store::Layer> MakeLayer(BuildContext& ctx, const std::optional<store::Digest>& top_chain,
                                      const std::function<void(const std::filesystem::path&)>& work,
                                      bool linked, const LowerStacker& stack) {
  store::LayerStore& layers = ctx.store.layers();
  if (ctx.remote_cache) ctx.remote_cache->Materialize(top_chain);
  PendingGuard guard(layers, NewPending(ctx));
  std::vector<std::filesystem::path> lower = layers.LowerDirs(linked ? std::nullopt : top_chain);
  if (stack) stack(lower, guard.get().dir);
  ctx.runtime.WithRootfs(lower, guard.get(), work);
  ProgressTask committing(&ctx.log, "committing layer");
  store::LayerTarOptions opts;
  opts.bytes = &committing.bytes();
  opts.clamp_mtime = ctx.source_date_epoch;
  // The tar and its hash, the slow part, outside ROOT/lock; the
  // registration under it, shared with other builds (store.h).
  std::optional<store::PreparedLayer> prepared = layers.Prepare(guard.get(), opts);
  if (!prepared) return std::nullopt;
  store::Store::Scope adding = ctx.store.Adding();
  store::Layer layer = layers.Finish(guard.get(), *prepared, top_chain);
  // Kept from prune until CommitStep's image names it.
  ctx.store.Pin(layer.chain_id);
  return layer;
}

store::Layer RestackLayer(BuildContext& ctx, const store::Layer& source, const std::optional<store::Digest>& top_chain) {
  store::LayerStore& layers = ctx.store.layers();
  if (ctx.remote_cache) ctx.remote_cache->Materialize(top_chain);
  const store::Digest chain = store::NextChainId(top_chain, source.diff_id);
  {
    store::Store::Scope adding = ctx.store.Adding();
    if (std::optional<store::Layer> there = layers.Get(chain)) {
      ctx.store.Pin(chain);
      return *there;
    }
  }
  PendingGuard guard(layers, NewPending(ctx));
  // The copy outside ROOT/lock, as a step's own layer is made.
  store::PreparedLayer prepared = store::PrepareLayerCopy(ctx.store.root(), source, guard.get());
  store::Store::Scope adding = ctx.store.Adding();
  store::Layer layer = layers.Finish(guard.get(), prepared, top_chain);
  ctx.store.Pin(layer.chain_id);
  return layer;
}

void WithImageRootfs(BuildContext& ctx, const std::optional<store::Digest>& top_chain,
                     const std::function<void(const std::filesystem::path&)>& fn) {
  store::LayerStore& layers = ctx.store.layers();
  if (ctx.remote_cache) ctx.remote_cache->Materialize(top_chain);
  PendingGuard guard(layers, NewPending(ctx));
  ctx.runtime.WithRootfs(layers.LowerDirs(top_chain), guard.get(), fn);
}

}  // namespace ubuild::builder
