#pragma once
// The progress event model. Long work (a build's steps, COPY, a layer
// commit, save, load, pull, push) reports what it does to a ProgressSink it
// is handed; the display that turns events into text (the classic log, the
// live terminal view, rawjson) lives above, so no lower room ever includes
// one and data keeps flowing one way. Every event has a no-op default: a
// room calls only the events it has, and a display keeps only the ones it shows.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ubuild {

// A byte count that the working threads advance and a display samples:
// atomics, not calls, because COPY's jobs add to it once per file and a
// display reads it ten times a second, whichever thread it runs on.
class ByteCounter {
 public:
  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  void Expect(uint64_t n) { total_.fetch_add(n, std::memory_order_relaxed); }  // grows as work is found
  uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  uint64_t total() const { return total_.load(std::memory_order_relaxed); }  // 0: not known

 private:
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> total_{0};
};

// Where RUN's output goes. kPassThrough: the command writes to the builder's
// own stdout/stderr (the classic log); kKeepForFailure: kept aside, shown on
// stderr only when the step fails (-q); kEvents: split into lines and
// handed to RunOutput (the live display, rawjson).
enum class RunOutputRoute { kPassThrough, kKeepForFailure, kEvents };

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;

  // Build steps, in order: Step, then UsingCache (a cache hit) and StepDone
  // with the step's image, or StepFailed. A FROM scratch step ends with a
  // Line instead. Lines are the classic log's other lines (warnings, ONBUILD
  // triggers, a base image's pull).
  virtual void Step(int /*n*/, int /*total*/, const std::string& /*text*/) {}
  virtual void UsingCache() {}
  virtual void StepDone(const std::string& /*image_id*/) {}
  virtual void StepFailed(const std::string& /*message*/) {}
  virtual void Line(const std::string& /*text*/) {}
  virtual RunOutputRoute RunOutput() const { return RunOutputRoute::kPassThrough; }
  virtual void RunOutputLine(std::string_view /*line*/) {}  // without its newline; kEvents only

  // The build's result: the image, then each tag, then the end.
  virtual void ImageBuilt(const std::string& /*image_id*/) {}
  virtual void ImageTagged(const std::string& /*name*/) {}
  virtual void BuildFinished(const std::string& /*image_id*/) {}

  // A task with a byte count: COPY's files, a layer commit, a save, a load,
  // a blob of a pull or push. `bytes` stays valid until TaskDone; tasks may
  // start and end on any thread.
  virtual void TaskStarted(const void* /*id*/, const std::string& /*name*/, const ByteCounter& /*bytes*/) {}
  virtual void TaskDone(const void* /*id*/, bool /*ok*/) {}

  // A moment to make the output visible: before a command writes to the
  // same descriptors, and at the end.
  virtual void Flush() {}
};

// One task for its scope: started on construction, done on destruction
// (failed when an exception unwinds through it). A null sink reports
// nothing, so lower code can always count.
class ProgressTask {
 public:
  ProgressTask(ProgressSink* sink, const std::string& name, uint64_t total = 0);
  ~ProgressTask();
  ProgressTask(const ProgressTask&) = delete;
  ProgressTask& operator=(const ProgressTask&) = delete;

  ByteCounter& bytes() { return bytes_; }
  void Add(uint64_t n) { bytes_.Add(n); }
  void Expect(uint64_t n) { bytes_.Expect(n); }

 private:
  ProgressSink* sink_;
  ByteCounter bytes_;
  int exceptions_;
};

}  // namespace ubuild
