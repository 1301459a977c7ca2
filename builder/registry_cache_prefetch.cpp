#include "builder/registry_cache_prefetch.h"

namespace ubuild::builder {

CachePrefetch::CachePrefetch(store::Store& store, const CacheLocation& location, const store::registry::CacheLayer& layer)
    : adding_(store.Adding()), layer_(layer) {
  thread_ = std::thread([this, &store, location] {
    try {
      endpoint_ = CacheEndpoint::Open(location, false);
      std::vector<std::unique_ptr<CacheEndpoint::FetchedLayer>> got = endpoint_->FetchLayers(store, {layer_});
      fetched_ = std::move(got.at(0));
    } catch (...) {
      fetched_.reset();  // see Take
    }
  });
}

CachePrefetch::~CachePrefetch() { Join(); }

void CachePrefetch::Join() {
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<CacheEndpoint::FetchedLayer> CachePrefetch::Take() {
  Join();
  return std::move(fetched_);
}

}  // namespace ubuild::builder
