#pragma once
// --push of an image whose layers are all still in a --cache-from cache on
// the tag's registry: each layer is mounted from the cache repository into
// the tag's (no byte crosses this machine), then the config and a Docker
// schema2 manifest — the manifest `push` would write for the same blobs —
// are put. The store keeps nothing of the image: its layers were never
// here (README: "what stays on the runner").
#include <functional>
#include <string>
#include <vector>

#include "builder/registry_cache_import.h"
#include "store/store.h"

namespace ubuild::builder {

// False when some layer has no blob on a tag's registry that it could be
// mounted from (nothing sent), or a mount fails (the blob gone since the
// cache was read: blobs mounted before it stay); the caller then stores
// the image and pushes it as usual.
bool PushFromCache(store::Store& store, const RegistryCacheImport& imported, const std::string& config,
                   const std::vector<std::string>& tags, const std::function<void(const std::string&)>& say);

}  // namespace ubuild::builder
