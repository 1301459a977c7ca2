#pragma once
// A cache layer fetched ahead of its step's key: while a COPY hashes its
// sources (the slow half of a hit on many files), the layer its key will
// most likely name is downloaded and unpacked into a pending layer on a
// thread of its own, through an endpoint of its own so that the build's
// endpoints are never shared between threads. Nothing is registered here:
// the import hands the layer to Materialize only once a step's key hit and
// its chain needs that layer; a layer no hit wants is dropped with its
// pending dir, as a failed pull's is. Dropping it untaken cancels the
// fetch: the GET and the unpacking end within a chunk, so a guess that
// turned out wrong (the COPY's sources changed) costs neither the rest of
// the blob's bandwidth nor a wait at the end of the build.
#include <atomic>
#include <memory>
#include <thread>

#include "builder/registry_cache_endpoint.h"
#include "builder/registry_cache_option.h"
#include "store/registry/build_cache_manifest.h"
#include "store/store.h"

namespace ubuild::builder {

class CachePrefetch {
 public:
  // Starts fetching `layer` from `location` (a registry); holds the store's
  // Adding() scope, which pending layers need, until destroyed.
  CachePrefetch(store::Store& store, const CacheLocation& location, const store::registry::CacheLayer& layer);
  ~CachePrefetch();  // cancels the fetch and waits for it to end; an untaken layer is dropped
  CachePrefetch(const CachePrefetch&) = delete;
  CachePrefetch& operator=(const CachePrefetch&) = delete;

  const store::Digest& diff_id() const { return layer_.diff_id; }
  // Waits for the fetch. nullptr when it failed: the caller fetches the
  // layer the ordinary way, which reports what is wrong (a speculative
  // fetch has no one to tell).
  std::unique_ptr<CacheEndpoint::FetchedLayer> Take();

 private:
  void Join();

  store::Store::Scope adding_;  // destroyed last: on the thread that made it, after the fetch is done
  store::registry::CacheLayer layer_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<CacheEndpoint> endpoint_;
  std::unique_ptr<CacheEndpoint::FetchedLayer> fetched_;
  std::thread thread_;
};

}  // namespace ubuild::builder
