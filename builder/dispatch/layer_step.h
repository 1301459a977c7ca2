#pragma once
// A step that changes files: a fresh upperdir stacked on the stage's layers,
// shown as a rootfs by the build's StepRuntime, handed to `work`, then
// committed as a layer (nullopt when nothing changed). On any error or
// interrupt the upperdir is removed and the store is as it was.
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "builder/dispatch/stage_state.h"
#include "store/layer_store.h"

namespace ubuild::builder {

// `linked` (COPY --link): `work` sees an empty rootfs instead of the
// stage's layers, and the layer it makes is still stacked on `top_chain`.
// `stack`, if given, runs before the rootfs is mounted, with the lower dirs
// (nearest first, which it may add to) and the pending layer's dir.
using LowerStacker = std::function<void(std::vector<std::filesystem::path>& lower,
                                        const std::filesystem::path& pending_dir)>;
std::optional<store::Layer> MakeLayer(BuildContext& ctx, const std::optional<store::Digest>& top_chain,
                                      const std::function<void(const std::filesystem::path& rootfs)>& work,
                                      bool linked = false, const LowerStacker& stack = {});

// A COPY --link layer made on another base, reused on this one as BuildKit
// rebases it: `source`'s diff stacked on `top_chain` as a chain of its own,
// with its own cache-id and diff dir (store/layer_rebase.h), or the chain
// already registered when a build made it before. Pinned.
store::Layer RestackLayer(BuildContext& ctx, const store::Layer& source, const std::optional<store::Digest>& top_chain);

// Shows an image's layers with a throwaway upperdir, for reading files out
// of it (COPY --from). `fn` gets the rootfs path.
void WithImageRootfs(BuildContext& ctx, const std::optional<store::Digest>& top_chain,
                     const std::function<void(const std::filesystem::path& rootfs)>& fn);

}  // namespace ubuild::builder
