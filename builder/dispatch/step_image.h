#pragma once
// A step's image: its config (the parent's, edited, with one more history
// entry) and where it is recorded. Layer steps and each stage's last image
// are stored; a config-only step's image is not (design.md §9): it is a pure
// function of the parent's config, the instruction and its created time, so
// its cache entry keeps that time and a hit rebuilds the config.
#include <optional>
#include <string>

#include "builder/dispatch/stage_state.h"
#include "store/layer_store.h"

namespace ubuild::builder {

// The config of a step on top of `parent`: `next` holds the step's edits.
store::ImageConfig ChildConfig(const StageImage& parent, store::ImageConfig next, const std::string& created_by,
                               const std::string& created, const std::optional<store::Layer>& layer);

// Stores the child of `parent` with these config bytes: its parent is the
// newest stored image below it, its intermediates the unstored ones between.
store::Digest PutStepImage(BuildContext& ctx, const StageImage& parent, const std::string& config_bytes);

// A config-only step: a cache hit (a stored image, or an unstored one whose
// rebuilt config hashes to the recorded id) or a new unstored image; either
// way `image` moves to the result and the log shows its id.
void CommitConfigStep(BuildContext& ctx, StageImage& image, store::ImageConfig next, const store::Digest& key,
                      const std::string& created_by);

// Stores the image a stage ended on when a config-only step made it, so that
// tags, FROM <stage> and COPY --from find it.
void StoreStageImage(BuildContext& ctx, StageImage& image);

}  // namespace ubuild::builder
