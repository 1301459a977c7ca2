#pragma once
// The live terminal display (--progress=tty), in BuildKit's spirit: finished
// steps collapse to one line each ("=> CACHED [2/7] RUN …   0.1s") above a
// live area that is redrawn in place: a header with the total time, the
// running step with its elapsed time and the last lines of its output, and
// a byte counter with rate and ETA for each running task (COPY, the layer
// commit, save, load, a blob). A failed step's whole output stays on screen.
//
// Events only change the model; frames are drawn by Redraw, which a thread
// calls ten times a second, so a chatty RUN costs no more terminal writes
// than a quiet one. Every method may be called from any thread.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "builder/progress/display_clock.h"
#include "store/base/progress_sink.h"

namespace ubuild::progress {

class TtyDisplay : public ProgressSink {
 public:
  static constexpr size_t kWindowLines = 6;         // a running step's output shown
  static constexpr size_t kKeptBytes = 4 << 20;     // output kept to show in full if it fails
  static constexpr int64_t kFrameNanos = 100000000;  // ten frames a second at most

  // `title`: the header's verb ("Building", "Saving", ...).
  TtyDisplay(Terminal& terminal, const DisplayClock& clock, bool color, std::string title = "Building");
  ~TtyDisplay() override;

  void Start();   // the redraw thread
  void Stop();    // the last frame: the live area gives way to the final lines
  void Redraw();  // one frame now

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
  // One row of the screen: text on the left, a time or state on the right.
  struct Row {
    std::string left, right;
    const char* color = nullptr;  // an SGR sequence, or null
  };
  struct StepView {
    std::string label;  // "[3/7] RUN make"
    int64_t start = 0;
    bool cached = false;
    // The output as it came, each line ending in \n: appending costs no
    // allocation per line, and the window is cut from its tail when drawn.
    std::string output;
    size_t dropped = 0;  // earlier lines let go to keep about kKeptBytes
  };
  struct TaskView {
    const void* id;
    std::string name;
    const ByteCounter* bytes;
    int64_t start;
  };

  void RedrawLocked();
  void CloseStepLocked(const char* state);  // null: done
  void OutputLocked(std::string_view line);
  std::vector<Row> LiveRows(int64_t now) const;
  Row TaskRow(const TaskView& t, int64_t now) const;
  std::string Format(const Row& row, int width) const;  // width 0: as long as it is

  Terminal& terminal_;
  const DisplayClock& clock_;
  const bool color_;
  const std::string title_;
  const int64_t start_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::thread ticker_;
  bool stopping_ = false;
  bool stopped_ = false;

  std::optional<StepView> step_;
  std::vector<TaskView> tasks_;
  std::vector<Row> finished_rows_;  // not drawn yet
  int steps_total_ = 0;
  int steps_done_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  int live_rows_ = 0;  // rows of the live area now on screen
};

}  // namespace ubuild::progress
