#include "builder/copy/parallel_jobs.h"

#include <sched.h>

#include <algorithm>
#include <utility>

namespace ubuild::builder {

ParallelJobs::ParallelJobs(unsigned workers) : want_workers_(workers) {}

ParallelJobs::~ParallelJobs() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

unsigned ParallelJobs::SpareCores(unsigned cap) {
  cpu_set_t set;
  unsigned cores = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) cores = static_cast<unsigned>(CPU_COUNT(&set));
  if (cores == 0) cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min(cap, cores - 1);
}

void ParallelJobs::Run(std::function<void()>& job) {
  try {
    job();
  } catch (...) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::current_exception();
    queue_.clear();  // the rest would only pile onto a failed step
  }
}

void ParallelJobs::WorkerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    Run(job);
    job = nullptr;  // release what it captured before others are told it is done
    lock.lock();
    --running_;
    idle_cv_.notify_all();
  }
}

void ParallelJobs::RethrowIfFailed() {
  std::exception_ptr e;
  {
    std::lock_guard lock(mu_);
    e = std::exchange(error_, nullptr);
  }
  if (e) std::rethrow_exception(e);
}

void ParallelJobs::Submit(std::function<void()> job) {
  if (want_workers_ == 0) {
    job();
    return;
  }
  std::function<void()> own;
  {
    std::lock_guard lock(mu_);
    if (error_) {
      // fall through to the rethrow below
    } else {
      if (threads_.empty()) {
        for (unsigned i = 0; i < want_workers_; ++i) threads_.emplace_back([this] { WorkerLoop(); });
      }
      queue_.push_back(std::move(job));
      if (queue_.size() > kMaxQueued) {
        own = std::move(queue_.front());
        queue_.pop_front();
      }
    }
  }
  work_cv_.notify_one();
  if (own) Run(own);
  RethrowIfFailed();
}

void ParallelJobs::Wait() {
  // Help with what is queued, then wait for the jobs still running.
  for (;;) {
    std::function<void()> job;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) break;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Run(job);
  }
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [&] { return running_ == 0 && queue_.empty(); });
  }
  RethrowIfFailed();
}

}  // namespace ubuild::builder
