#pragma once
// The two ends of every step: the cache probe before it does any work, and
// the commit after — a new image whose parent is the current one, with one
// more history entry and, when the step changed files, one more layer.
#include <optional>
#include <string>

#include "builder/dispatch/stage_state.h"
#include "store/layer_store.h"

namespace ubuild::builder {

// The cache key of a step: parent image, the config the step starts from,
// its created_by text (which already carries build args and source hashes).
store::Digest StepCacheKey(const StageState& st, const std::string& created_by);

// On a hit (and without --no-cache) moves the stage to the cached image,
// prints "Using cache" and returns true.
bool ProbeCache(BuildContext& ctx, StageState& st, const store::Digest& key);

// Records the step: appends history (empty_layer when `layer` is nullopt),
// appends the layer's diff_id, stores the new config, records the cache key.
void CommitStep(BuildContext& ctx, StageState& st, const store::Digest& key, const std::string& created_by,
                const std::optional<store::Layer>& layer);

// Created timestamp for new history entries and configs.
std::string StepCreated(const BuildContext& ctx);

}  // namespace ubuild::builder
