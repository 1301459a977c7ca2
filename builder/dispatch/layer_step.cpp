#include "builder/dispatch/layer_step.h"

#include <system_error>

#include "builder/rootfs/overlay_mount.h"
#include "store/base/error.h"

namespace ubuild::builder {

namespace {

// Removes the pending upperdir unless the step got as far as committing it.
class PendingGuard {
 public:
  PendingGuard(store::LayerStore& layers, store::PendingLayer p) : layers_(layers), pending_(std::move(p)) {}
  ~PendingGuard() {
    if (!released_) {
      try {
        layers_.Discard(pending_);
      } catch (...) {
        // Store::Open removes what is left on the next command.
      }
    }
  }
  store::PendingLayer& get() { return pending_; }
  void Release() { released_ = true; }

 private:
  store::LayerStore& layers_;
  store::PendingLayer pending_;
  bool released_ = false;
};

void WithMount(BuildContext& ctx, const std::optional<store::Digest>& top_chain, store::PendingLayer& pending,
               const std::function<void(const std::filesystem::path&)>& fn) {
  const std::filesystem::path& merged = pending.merged_dir;
  std::error_code ec;
  std::filesystem::create_directories(merged, ec);
  if (ec) throw SysError("mkdir", merged.string(), ec.value());
  OverlayMount mount(ctx.store.layers().LowerDirs(top_chain), pending.diff_dir, pending.work_dir, merged);
  fn(merged);
  mount.Unmount();
}

}  // namespace

std::optional<store::Layer> MakeLayer(BuildContext& ctx, const StageState& st,
                                      const std::function<void(const std::filesystem::path&)>& work) {
  store::LayerStore& layers = ctx.store.layers();
  PendingGuard guard(layers, layers.CreatePending());
  WithMount(ctx, st.top_chain, guard.get(), work);
  store::LayerTarOptions opts;
  opts.clamp_mtime = ctx.source_date_epoch;
  // Commit consumes or removes the pending dir in every outcome.
  guard.Release();
  return layers.Commit(guard.get(), st.top_chain, opts);
}

void WithImageRootfs(BuildContext& ctx, const std::optional<store::Digest>& top_chain,
                     const std::function<void(const std::filesystem::path&)>& fn) {
  store::LayerStore& layers = ctx.store.layers();
  PendingGuard guard(layers, layers.CreatePending());
  WithMount(ctx, top_chain, guard.get(), fn);
}

}  // namespace ubuild::builder
