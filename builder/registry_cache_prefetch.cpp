#include "builder/registry_cache_prefetch.h"

#include <algorithm>

#include "store/base/error.h"
#include "store/base/interrupt_free_thread.h"

namespace ubuild::builder {

std::optional<store::Digest> LikelyLayer(const std::map<store::Digest, std::string>& steps,
                                         const store::ImageConfig& parent, const std::string& head,
                                         const std::string& tail) {
  const std::vector<store::Digest>& below = parent.diff_ids();
  std::optional<store::Digest> likely;
  for (const auto& [key, bytes] : steps) {
    std::optional<store::ImageConfig> config;
    try {
      config = store::ImageConfig::Parse(bytes, "build cache step " + key.str());
    } catch (const Error&) {
      continue;  // a damaged entry: its probe will miss
    }
    const std::vector<store::Digest>& ids = config->diff_ids();
    if (ids.size() != below.size() + 1 || !std::equal(below.begin(), below.end(), ids.begin())) continue;
    if (config->history().size() != parent.history().size() + 1) continue;
    const std::string& text = config->history().back().created_by;
    if (text.size() <= head.size() + tail.size() || text.compare(0, head.size(), head) != 0 ||
        text.compare(text.size() - tail.size(), tail.size(), tail) != 0 ||
        text.find(' ', head.size()) < text.size() - tail.size()) {
      continue;
    }
    if (likely && *likely != ids.back()) return std::nullopt;
    likely = ids.back();
  }
  return likely;
}

CachePrefetch::CachePrefetch(store::Store& store, const CacheLocation& location, const store::registry::CacheLayer& layer)
    : adding_(store.Adding()), layer_(layer) {
  // It may outlive its step and run beside a RUN: an interrupt must reach
  // the main thread (and the threads it starts inherit the mask).
  thread_ = InterruptFreeThread([this, &store, location] {
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
