#include "store/registry/concurrent_transfers.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

// The given clients are the workers': the first runs on the calling thread,
// each item is taken once, and no client serves two threads. The first three
// items wait for each other, so each of the three workers must take one of
// them (a worker cannot take a second item while its first waits); without
// that wait, two fast threads may finish every item before the caller starts.
TEST(RunConcurrently, GivenClientsEachServeOneWorkerTheFirstOnTheCaller) {
  HttpClient a, b, c;
  std::mutex mu;
  std::condition_variable arrived;
  int waiting = 0;
  std::map<HttpClient*, std::set<std::thread::id>> threads_of;
  std::vector<int> taken(20, 0);
  RunConcurrently(taken.size(), {&a, &b, &c}, [&](HttpClient& http, size_t i) {
    std::unique_lock lock(mu);
    threads_of[&http].insert(std::this_thread::get_id());
    ++taken[i];
    if (i < 3) {
      ++waiting;
      arrived.notify_all();
      arrived.wait_for(lock, std::chrono::seconds(10), [&] { return waiting >= 3; });
    }
  });
  EXPECT_EQ(taken, std::vector<int>(20, 1));
  EXPECT_EQ(threads_of.size(), 3u);
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
