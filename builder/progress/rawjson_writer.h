#pragma once
// --progress=rawjson: the events as machine-readable lines, one JSON object
// per line, shaped like BuildKit's SolveStatus (what `docker buildx build
// --progress=rawjson` prints): "vertexes" for steps, "statuses" for byte
// counts, "logs" for output. The README's "Progress output" section is the
// schema. A thread samples running byte counts ten times a second.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "builder/progress/display_clock.h"
#include "store/base/progress_sink.h"
#include "store/container_config.h"

namespace ubuild::progress {

class RawJsonWriter : public ProgressSink {
 public:
  // `now`: the wall clock as RFC 3339 text (a fixed one in tests).
  RawJsonWriter(Terminal& out, std::function<std::string()> now);
  ~RawJsonWriter() override;

  void Start();  // the sampling thread
  void Stop();
  void Sample();  // one status line per running task whose count moved

  void Step(int n, int total, const std::string& text) override;
  void UsingCache() override;
  void StepDone(const std::string& image_id) override;
  void StepFailed(const std::string& message) override;
  void Line(const std::string& text) override;
  RunOutputRoute RunOutput() const override { return RunOutputRoute::kEvents; }
  void RunOutputLine(std::string_view line) override;
  void ImageBuilt(const std::string& image_id) override;
  void ImageTagged(const std::string& name) override;
  void BuildFinished(const std::string& image_id) override;
  void TaskStarted(const void* id, const std::string& name, const ByteCounter& bytes) override;
  void TaskDone(const void* id, bool ok) override;

 private:
  struct Vertex {
    std::string digest, name, started;
    bool cached = false;
  };
  struct Task {
    const void* id;
    std::string name, vertex, started;
    const ByteCounter* bytes;
    uint64_t shown = UINT64_MAX;  // the count last written
    bool own_vertex = false;      // a task outside any step is its own vertex
  };

  void Emit(const store::Json& status);
  store::Json VertexJson(const Vertex& v) const;
  store::Json StatusJson(const Task& t, bool completed) const;
  void LogLocked(std::string_view data, int stream);
  void CloseStepLocked(const std::string& error);
  std::string ExportVertexLocked();
  void ExportStatusLocked(const std::string& id);

  Terminal& out_;
  std::function<std::string()> now_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread sampler_;
  bool stopping_ = false;
  std::optional<Vertex> step_;
  std::optional<Vertex> export_;  // "exporting to image"
  std::vector<Task> tasks_;
  int serial_ = 0;  // makes each vertex digest of this run distinct
};

}  // namespace ubuild::progress
