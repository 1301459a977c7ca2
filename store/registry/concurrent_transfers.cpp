#include "store/registry/concurrent_transfers.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ubuild::store::registry {

namespace {

// Workers take items 0..count-1 in order; the first error stops the others
// taking new ones and is rethrown once all have stopped.
class Items {
 public:
  Items(size_t count, const std::function<void(HttpClient&, size_t)>& transfer) : count_(count), transfer_(transfer) {}
  // `make_client` runs on the worker's thread: its failure is the worker's error too.
  template <typename MakeClient>
  void Work(MakeClient make_client) {
    try {
      HttpClient& http = make_client();
      for (size_t i; !failed_ && (i = next_++) < count_;) transfer_(http, i);
    } catch (...) {
      failed_ = true;
      std::lock_guard lock(error_mu_);
      if (!first_error_) first_error_ = std::current_exception();
    }
  }
  void Rethrow() {
    if (first_error_) std::rethrow_exception(first_error_);
  }

 private:
  size_t count_;
  const std::function<void(HttpClient&, size_t)>& transfer_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::exception_ptr first_error_;
  std::mutex error_mu_;
};

}  // namespace

void RunConcurrently(size_t count, size_t workers, const std::function<void(HttpClient&, size_t)>& transfer) {
  Items items(count, transfer);
  auto worker = [&] {
    std::optional<HttpClient> http;
    items.Work([&]() -> HttpClient& { return http.emplace(); });
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(workers, count); ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  items.Rethrow();
}

void RunConcurrently(size_t count, const std::vector<HttpClient*>& clients,
                     const std::function<void(HttpClient&, size_t)>& transfer) {
  Items items(count, transfer);
  const size_t workers = std::min(clients.size(), count);
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) {
    threads.emplace_back([&items, http = clients[t]] { items.Work([http]() -> HttpClient& { return *http; }); });
  }
  if (workers > 0) items.Work([&]() -> HttpClient& { return *clients[0]; });
  for (std::thread& t : threads) t.join();
  items.Rethrow();
}

}  // namespace ubuild::store::registry
