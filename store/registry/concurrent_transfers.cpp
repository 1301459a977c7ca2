#include "store/registry/concurrent_transfers.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ubuild::store::registry {

void RunConcurrently(size_t count, size_t workers, const std::function<void(HttpClient&, size_t)>& transfer) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mu;
  auto worker = [&] {
    try {
      HttpClient http;
      for (size_t i; !failed && (i = next++) < count;) transfer(http, i);
    } catch (...) {
      failed = true;
      std::lock_guard lock(error_mu);
      if (!first_error) first_error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(workers, count); ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace ubuild::store::registry
