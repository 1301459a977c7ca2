#pragma once
// The classic log (--progress=plain), shaped like Docker's classic builder
// ("Step 2/7 : RUN …", " ---> Using cache", " ---> 3f1c2d4e5a6b"), plus the
// time each step took; RUN's output passes straight through. Quiet mode
// (-q) prints nothing but the final id, and RUN's output only when its step
// fails.
#include <chrono>
#include <iosfwd>
#include <string>

#include "store/base/progress_sink.h"

namespace ubuild::builder {

class BuildLog : public ProgressSink {
 public:
  BuildLog(std::ostream& out, bool quiet) : out_(out), quiet_(quiet) {}

  void Step(int n, int total, const std::string& text) override;
  void UsingCache() override;
  void StepDone(const std::string& image_id) override;  // " ---> <12 hex> (0.123s)"
  void Line(const std::string& text) override;
  RunOutputRoute RunOutput() const override {
    return quiet_ ? RunOutputRoute::kKeepForFailure : RunOutputRoute::kPassThrough;
  }
  void ImageBuilt(const std::string& image_id) override;
  void ImageTagged(const std::string& name) override;
  void BuildFinished(const std::string& image_id) override;
  void Flush() override;

 private:
  std::ostream& out_;
  bool quiet_;
  std::chrono::steady_clock::time_point step_start_{};
};

}  // namespace ubuild::builder
