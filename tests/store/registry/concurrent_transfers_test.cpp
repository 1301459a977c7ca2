#include "store/registry/concurrent_transfers.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

// The given clients are the workers': the first runs on the calling thread,
// each item is taken once, and no client serves two threads.
TEST(RunConcurrently, GivenClientsEachServeOneWorkerTheFirstOnTheCaller) {
  HttpClient a, b, c;
  std::mutex mu;
  std::map<HttpClient*, std::set<std::thread::id>> threads_of;
  std::vector<int> taken(20, 0);
  RunConcurrently(taken.size(), {&a, &b, &c}, [&](HttpClient& http, size_t i) {
    std::lock_guard lock(mu);
    threads_of[&http].insert(std::this_thread::get_id());
    ++taken[i];
  });
  EXPECT_EQ(taken, std::vector<int>(20, 1));
  for (const auto& [client, threads] : threads_of) EXPECT_EQ(threads.size(), 1u);
  ASSERT_TRUE(threads_of.count(&a));
  EXPECT_EQ(*threads_of[&a].begin(), std::this_thread::get_id());
}

// Fewer items than clients: the extra clients are not used.
TEST(RunConcurrently, NoMoreWorkersThanItems) {
  HttpClient a, b, c;
  std::set<HttpClient*> used;
  RunConcurrently(1, {&a, &b, &c}, [&](HttpClient& http, size_t) { used.insert(&http); });
  EXPECT_EQ(used, std::set<HttpClient*>{&a});
}

// An error on any worker is rethrown on the caller once all have stopped.
TEST(RunConcurrently, TheFirstErrorIsRethrownAfterAllStop) {
  HttpClient a, b;
  std::atomic<int> running{0};
  EXPECT_THROW(RunConcurrently(50, {&a, &b},
                               [&](HttpClient&, size_t i) {
                                 ++running;
                                 if (i == 3) throw Error("item 3 failed");
                                 --running;
                               }),
               Error);
  EXPECT_EQ(running.load(), 1);  // only the failed item never finished
}

}  // namespace
}  // namespace ubuild::store::registry
