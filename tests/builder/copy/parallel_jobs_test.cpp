#include "builder/copy/parallel_jobs.h"

#include <gtest/gtest.h>

#include <atomic>
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
  jobs.Submit([] { throw std::runtime_error("job 0 failed"); });
  bool stopped = false;
  try {
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

TEST(ParallelJobs, DestroyingWithQueuedJobsDropsThem) {
  std::atomic<int> ran{0};
  {
    ParallelJobs jobs(1);
    for (int i = 0; i < 50; ++i) {
      jobs.Submit([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ran.fetch_add(1);
      });
    }
  }
  EXPECT_LE(ran.load(), 50);
  const int after = ran.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ran.load(), after);  // nothing runs once the pool is gone
}

}  // namespace
}  // namespace ubuild::builder
