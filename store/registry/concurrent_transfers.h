#pragma once
// Several transfers at once, as Docker runs its downloads and uploads: up
// to `workers` threads, each with its own HTTP client (its own
// connection), take items 0..count-1 in order. The first error stops the
// others taking new items and is rethrown once all have stopped.
#include <cstddef>
#include <functional>
#include <vector>

#include "store/registry/http_client.h"

namespace ubuild::store::registry {

void RunConcurrently(size_t count, size_t workers, const std::function<void(HttpClient&, size_t)>& transfer);

// The same with the workers' clients given, one worker per client (no
// more than `count`), the first on the calling thread: the connections
// the clients keep alive serve the caller's next requests and next call.
void RunConcurrently(size_t count, const std::vector<HttpClient*>& clients,
                     const std::function<void(HttpClient&, size_t)>& transfer);

}  // namespace ubuild::store::registry
