#pragma once
// Runs independent jobs on the machine's other cores while the submitting
// thread keeps producing them (COPY's walk hands each file to a job). The
// queue is short: when it is full the submitter runs a job itself, so it
// never runs far ahead and its core is not left idle. The first job to fail
// stops the rest; Wait() rethrows its exception, and so does the next
// Submit(), which lets the producer stop early.
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ubuild::builder {

class ParallelJobs {
 public:
  // workers: extra threads, started on the first Submit; 0 runs every job inline.
  explicit ParallelJobs(unsigned workers);
  // Drops queued jobs and joins the workers; an error not yet rethrown is lost.
  ~ParallelJobs();
  ParallelJobs(const ParallelJobs&) = delete;
  ParallelJobs& operator=(const ParallelJobs&) = delete;

  void Submit(std::function<void()> job);
  // Returns when every submitted job has finished; rethrows the first failure.
  void Wait();

  // One less than the cores this process may use, at most `cap`.
  static unsigned SpareCores(unsigned cap);

 private:
  static constexpr size_t kMaxQueued = 64;

  void WorkerLoop();
  // Runs `job`, recording its failure; never throws.
  void Run(std::function<void()>& job);
  void RethrowIfFailed();

  unsigned want_workers_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // a job was queued, or stop
  std::condition_variable idle_cv_;  // a job finished
  std::deque<std::function<void()>> queue_;
  size_t running_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace ubuild::builder
