#include "builder/copy/parallel_jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ubuild::builder {
namespace {

TEST(ParallelJobs, RunsEveryJobBeforeWaitReturns) {
  for (unsigned workers : {0u, 1u, 3u}) {
    std::atomic<int> done{0};
    ParallelJobs jobs(workers);
    for (int i = 0; i < 1000; ++i) jobs.Submit([&] { done.fetch_add(1); });
    jobs.Wait();
    EXPECT_EQ(done.load(), 1000) << workers << " workers";
  }
}

TEST(ParallelJobs, WaitRethrowsTheFailureAndLaterSubmitsStop) {
  ParallelJobs jobs(2);
  std::atomic<int> ran{0};
  bool stopped = false;
  try {
    // Inside the try: a worker may fail job 0 before its own Submit returns,
    // and that Submit then rethrows.
    jobs.Submit([] { throw std::runtime_error("job 0 failed"); });
    for (int i = 0; i < 100000; ++i) {
      jobs.Submit([&] {
        std::this_thread::yield();
        ran.fetch_add(1);
      });
    }
    jobs.Wait();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "job 0 failed");
    stopped = true;
  }
  EXPECT_TRUE(stopped);
  EXPECT_LT(ran.load(), 100000);  // the producer heard about the failure early
}

// Queued jobs are dropped, not run, when the pool is destroyed. The one
// worker is held inside a first job until the queued jobs' captures are
// destroyed, which happens exactly when the pool drops them: a pool that runs
// them on destruction would instead see the hold time out and run all ten.
TEST(ParallelJobs, DestroyingWithQueuedJobsDropsThem) {
  std::mutex mu;
  std::condition_variable cv;
  bool dropped = false;
  class DropSignal {
   public:
    DropSignal(std::mutex& mu, std::condition_variable& cv, bool& dropped) : mu_(mu), cv_(cv), dropped_(dropped) {}
    DropSignal(const DropSignal&) = delete;
    ~DropSignal() {
      std::lock_guard lock(mu_);
      dropped_ = true;
      cv_.notify_all();
    }

   private:
    std::mutex& mu_;
    std::condition_variable& cv_;
    bool& dropped_;
  };
  std::atomic<int> queued_ran{0};
  bool hold_timed_out = false;
  {
    ParallelJobs jobs(1);
    jobs.Submit([&] {
      std::unique_lock lock(mu);
      hold_timed_out = !cv.wait_for(lock, std::chrono::seconds(2), [&] { return dropped; });
    });
    auto signal = std::make_shared<DropSignal>(mu, cv, dropped);
    for (int i = 0; i < 10; ++i) {  // well under the queue bound: the submitter runs none itself
      jobs.Submit([&, signal] { queued_ran.fetch_add(1); });
    }
    signal.reset();  // from here on only the queued jobs hold it
  }
  EXPECT_EQ(queued_ran.load(), 0);
  EXPECT_FALSE(hold_timed_out) << "the queued jobs were not dropped while the worker was busy";
}

}  // namespace
}  // namespace ubuild::builder
