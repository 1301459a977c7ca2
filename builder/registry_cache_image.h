#pragma once
// An image as cache, Docker's classic --cache-from IMAGE (also a
// type=registry ref that names an image rather than a build cache): the
// image is taken from the store, or pulled whole when the store lacks it,
// and a step hits when the image's history continues the step's parent
// with the step's created_by text — moby's image/cache rule: the parent's
// history entries and layers are the image's first ones, equal field for
// field, and the next entry's created_by is the step's.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "builder/dispatch/remote_step_cache.h"
#include "store/image_config.h"
#include "store/store.h"

namespace ubuild::builder {

struct CacheImage {
  store::Digest id;
  store::ImageConfig config;
};

// Throws ubuild::Error when the image is neither in the store nor pullable.
CacheImage LoadCacheImage(store::Store& store, const std::string& ref, const std::function<void(const std::string&)>& say);

// Whether a manifest is an image's (a manifest with an image config, or an
// index of them) rather than a build cache's.
bool IsImageManifest(std::string_view manifest);

std::optional<RemoteStepCache::HistoryStep> MatchHistory(const CacheImage& image, const store::ImageConfig& parent,
                                                         const std::string& created_by);

}  // namespace ubuild::builder
