#include "builder/registry_cache_prefetch.h"

#include "store/base/interrupt_free_thread.h"

namespace ubuild::builder {

CachePrefetch::CachePrefetch(store::Store& store, const CacheLocation& location, const store::registry::CacheLayer& layer)
    : adding_(store.Adding()), layer_(layer) {
  // It may outlive its step and run beside a RUN: an interrupt must reach
  // the main thread (and the threads it starts inherit the mask).
  thread_ = InterruptFreeThread([this, &store, location] {
    try {
      endpoint_ = CacheEndpoint::Open(location, false);
      std::vector<std::unique_ptr<CacheEndpoint::FetchedLayer>> got = endpoint_->FetchLayers(store, {layer_}, &cancel_);
      fetched_ = std::move(got.at(0));
    } catch (...) {
      fetched_.reset();  // see Take
    }
  });
}

CachePrefetch::~CachePrefetch() {
  cancel_ = true;  // a no-op once taken: the fetch has ended
  Join();
}

void CachePrefetch::Join() {
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<CacheEndpoint::FetchedLayer> CachePrefetch::Take() {
  Join();
  return std::move(fetched_);
}

}  // namespace ubuild::builder
