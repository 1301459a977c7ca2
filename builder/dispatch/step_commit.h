#pragma once
// The two ends of every step: the cache probe before it does any work, and
// the commit after — a new image whose parent is the current one, with one
// more history entry and, when the step changed files, one more layer.
// Both touch only the stage's image; the walk state (args, cmd_set) is the
// dispatcher's.
#include <cstdint>
#include <optional>
#include <string>

#include "builder/dispatch/stage_state.h"
#include "store/layer_store.h"

namespace ubuild::builder {

// The cache key of a step: parent image, the config the step starts from,
// its created_by text (which already carries build args and source hashes).
// A parent's id is the hash of its config bytes, so with an id the config is
// not written again: each step would otherwise dump the whole parent config.
store::Digest StepCacheKey(const StageImage& parent, const std::string& created_by);

// On a hit (and without --no-cache) replaces `image` with the cached one,
// prints "Using cache" and returns true. A miss leaves `image` as it was.
bool ProbeCache(BuildContext& ctx, const store::Digest& key, StageImage& image);

// A COPY --from step's key in a --cache-from cache. Its local key hashes
// the source files, which would need the source image's layers here; this
// one names the source image by id (its config, which names its layers by
// digest) and the instruction's words, so a hit needs none of them.
store::Digest CopyFromCacheKey(const StageImage& parent, const store::Digest& source_image, const std::string& words);
// A hit on `key` in the --cache-from cache alone, as ProbeCache takes one.
bool ProbeRemoteCache(BuildContext& ctx, const store::Digest& key, StageImage& image);

// COPY/ADD --link's second key: the copy's own inputs and not the parent,
// as BuildKit keys a linked copy, so the layer is found again on a changed
// base. `words` is the history text after the shell (instruction, flags,
// source hash, dest); WORKDIR counts only for a relative dest, and
// SOURCE_DATE_EPOCH because it clamps the layer's mtimes. `owner`: the
// "uid:gid" a --chown name resolved to on this stage ("" for none or ids).
store::Digest LinkedLayerKey(const std::string& words, const std::string& dest, const std::string& workdir,
                             const std::string& owner, const std::optional<int64_t>& source_date_epoch);
// The layer a --link step with that key made, on whatever base, when its
// image and layer are still here (and without --no-cache); pinned.
std::optional<store::Layer> ProbeLinkedLayer(BuildContext& ctx, const store::Digest& key);
// The same for a --cache-from cache: a hit moves `image` (unstored) to the
// step's image on this base, whose layer the cache's blob makes when a
// later step or the end of the build needs it (a --push mounts it instead).
bool ProbeRemoteLinkedLayer(BuildContext& ctx, const store::Digest& linked_key, StageImage& image,
                            const std::string& created_by);
// Points `key` at `image_id`, the image whose top layer the step made.
void RecordLinkedLayer(BuildContext& ctx, const store::Digest& key, const store::Digest& image_id);
// A hit in a --cache-from image's history (Docker's classic form): the
// cache image itself when the step is its last entry, else a new image —
// `next`, the config after the step's edits, with the recorded entry and
// layer — stored and recorded under `key` as a commit would.
bool ProbeImageHistory(BuildContext& ctx, const store::Digest& key, StageImage& image, const store::ImageConfig& next,
                       const std::string& created_by);

// Records the step on top of `image` (the parent) and moves `image` to the
// result: `next` is the config after the step's edits; appends history
// (empty_layer when `layer` is nullopt) and the layer's diff_id, stores the
// new config and records the cache key.
void CommitStep(BuildContext& ctx, StageImage& image, store::ImageConfig next, const store::Digest& key,
                const std::string& created_by, const std::optional<store::Layer>& layer);

// Created timestamp for new history entries and configs.
std::string StepCreated(const BuildContext& ctx);

}  // namespace ubuild::builder
