#include "builder/dispatch/build_log.h"

#include <cstdio>
#include <ostream>

#include "store/digest.h"

namespace ubuild::builder {

void BuildLog::Step(int n, int total, const std::string& text) {
  step_start_ = std::chrono::steady_clock::now();
  if (quiet_) return;
  out_ << "Step " << n << "/" << total << " : " << text << "\n";
  // RUN output is written by the container straight to our stdout: flush first
  // so the two streams interleave in order.
  out_.flush();
}

void BuildLog::UsingCache() {
  if (!quiet_) out_ << " ---> Using cache\n";
}

void BuildLog::StepDone(const std::string& image_id) {
  if (quiet_) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start_).count();
  char t[32];
  std::snprintf(t, sizeof t, "%.3fs", secs);
  out_ << " ---> " << store::ShortId(image_id) << " (" << t << ")\n";
  out_.flush();
}

void BuildLog::Line(const std::string& text) {
  if (!quiet_) out_ << text << "\n";
}

void BuildLog::ImageBuilt(const std::string& image_id) {
  if (!quiet_) out_ << "Successfully built " << store::ShortId(image_id) << "\n";
}

void BuildLog::ImageTagged(const std::string& name) {
  if (!quiet_) out_ << "Successfully tagged " << name << "\n";
}

void BuildLog::BuildFinished(const std::string& image_id) {
  if (quiet_) out_ << image_id << "\n";
}

void BuildLog::Flush() { out_.flush(); }

}  // namespace ubuild::builder
