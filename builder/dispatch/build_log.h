#pragma once
// The build's console output, shaped like Docker's classic builder
// ("Step 2/7 : RUN …", " ---> Using cache", " ---> 3f1c2d4e5a6b"), plus the
// time each step took. Quiet mode prints nothing but the final id.
#include <chrono>
#include <iosfwd>
#include <string>

namespace ubuild::builder {

class BuildLog {
 public:
  BuildLog(std::ostream& out, bool quiet) : out_(out), quiet_(quiet) {}
  bool quiet() const { return quiet_; }

  void Step(int n, int total, const std::string& text);
  void UsingCache();
  void StepDone(const std::string& image_id);  // " ---> <12 hex> (0.123s)"
  void Line(const std::string& text);          // a plain line (warnings, triggers)
  void Flush();

 private:
  std::ostream& out_;
  bool quiet_;
  std::chrono::steady_clock::time_point step_start_{};
};

}  // namespace ubuild::builder
