#include "builder/progress/tty_display.h"

#include <algorithm>
#include <chrono>

#include "builder/progress/display_text.h"
#include "store/base/interrupt_free_thread.h"

namespace ubuild::progress {

namespace {

// BuildKit's colours: finished blue, failed red, a command's output dimmed.
constexpr const char* kDone = "\x1b[34m";
constexpr const char* kError = "\x1b[31m";
constexpr const char* kOutput = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

std::string ShortImageId(const std::string& id) {
  const size_t colon = id.find(':');
  return colon == std::string::npos ? id.substr(0, 12) : id.substr(0, colon + 1 + 12);
}

}  // namespace

TtyDisplay::TtyDisplay(Terminal& terminal, const DisplayClock& clock, bool color, std::string title)
    : terminal_(terminal), clock_(clock), color_(color), title_(std::move(title)), start_(clock.NowNanos()) {}

TtyDisplay::~TtyDisplay() { Stop(); }

void TtyDisplay::Start() {
  ticker_ = InterruptFreeThread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::nanoseconds(kFrameNanos));
      if (!stopping_) RedrawLocked();
    }
  });
}

void TtyDisplay::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard lock(mu_);
  // A step still running when the display stops was interrupted.
  if (step_) CloseStepLocked("CANCELED");
  for (const TaskView& t : tasks_) {
    Row row = TaskRow(t, clock_.NowNanos());
    row.right = "CANCELED";
    finished_rows_.push_back(row);
  }
  tasks_.clear();
  if (steps_total_ > 0 || failed_ || finished_) {
    std::string header = "[+] " + title_ + " " + Seconds(clock_.NowNanos() - start_);
    if (steps_total_ > 0) header += " (" + std::to_string(steps_done_) + "/" + std::to_string(steps_total_) + ")";
    header += failed_ ? " FAILED" : finished_ ? " FINISHED" : "";
    finished_rows_.push_back(Row{header, "", failed_ ? kError : nullptr});
  }
  stopped_ = true;
  RedrawLocked();
}

void TtyDisplay::Redraw() {
  std::lock_guard lock(mu_);
  RedrawLocked();
}

void TtyDisplay::RedrawLocked() {
  const int64_t now = clock_.NowNanos();
  std::vector<Row> live;
  if (!stopped_) live = LiveRows(now);
  if (live.empty() && finished_rows_.empty() && live_rows_ == 0) return;
  const int width = terminal_.Width();
  std::string frame;
  // Back to the live area's first row, then clear it and all below.
  if (live_rows_ > 0) frame += "\r\x1b[" + std::to_string(live_rows_) + "A\x1b[J";
  // Finished rows scroll away once drawn, so a long one may wrap; live rows
  // are cut to the width, since the next frame moves up by their count.
  for (const Row& row : finished_rows_) frame += Format(row, row.right.empty() ? 0 : width) + "\n";
  finished_rows_.clear();
  for (const Row& row : live) frame += Format(row, width) + "\n";
  live_rows_ = static_cast<int>(live.size());
  terminal_.Write(frame);
}

std::vector<TtyDisplay::Row> TtyDisplay::LiveRows(int64_t now) const {
  std::vector<Row> rows;
  if (!step_ && tasks_.empty()) return rows;
  std::string header = "[+] " + title_ + " " + Seconds(now - start_);
  if (steps_total_ > 0) header += " (" + std::to_string(steps_done_) + "/" + std::to_string(steps_total_) + ")";
  rows.push_back(Row{header, "", nullptr});
  if (step_) {
    rows.push_back(Row{"=> " + step_->label, Seconds(now - step_->start), nullptr});
    // The last kWindowLines lines of the output.
    const std::string& out = step_->output;
    size_t from = out.size();
    for (size_t n = 0; from > 0 && n <= kWindowLines; --from) {
      if (out[from - 1] == '\n' && ++n > kWindowLines) break;
    }
    for (size_t at = from; at < out.size();) {
      const size_t nl = out.find('\n', at);
      rows.push_back(Row{" > " + DrawableLine(std::string_view(out).substr(at, nl - at)), "", kOutput});
      at = nl + 1;
    }
  }
  for (const TaskView& t : tasks_) rows.push_back(TaskRow(t, now));
  return rows;
}

TtyDisplay::Row TtyDisplay::TaskRow(const TaskView& t, int64_t now) const {
  const uint64_t done = t.bytes->done();
  const uint64_t total = t.bytes->total();
  const double secs = static_cast<double>(now - t.start) / 1e9;
  std::string text = (step_ ? "=> => " : "=> ") + t.name + " " + HumanBytes(static_cast<double>(done));
  if (total > 0) text += " / " + HumanBytes(static_cast<double>(total));
  if (secs >= 0.05 && done > 0) {
    const double rate = static_cast<double>(done) / secs;
    text += "  " + HumanBytes(rate) + "/s";
    if (total > done) text += "  ETA " + EtaText(static_cast<double>(total - done) / rate);
  }
  return Row{text, Seconds(now - t.start), nullptr};
}

std::string TtyDisplay::Format(const Row& row, int width) const {
  // One column short of the width: a row that fills it would wrap on some
  // terminals and throw off the count of rows to redraw.
  const int usable = width > 1 ? width - 1 : 1;
  const int right = Columns(row.right);
  std::string text;
  if (width == 0) {
    text = row.left;
  } else if (right == 0) {
    text = FitColumns(row.left, usable);
  } else {
    const int room = usable - right - 1;
    text = FitColumns(row.left, room > 0 ? room : 0);
    text.append(static_cast<size_t>(usable - Columns(text) - right > 0 ? usable - Columns(text) - right : 1), ' ');
    text += row.right;
  }
  if (color_ && row.color != nullptr) return row.color + text + kReset;
  return text;
}

void TtyDisplay::CloseStepLocked(const char* state) {
  const int64_t elapsed = clock_.NowNanos() - step_->start;
  std::string prefix = "=> ";
  if (state != nullptr) {
    prefix += std::string(state) + " ";
  } else if (step_->cached) {
    prefix += "CACHED ";
  }
  const bool error = state != nullptr && std::string(state) == "ERROR";
  finished_rows_.push_back(Row{prefix + step_->label, Seconds(elapsed), error ? kError : kDone});
  if (error) {
    finished_rows_.push_back(Row{"------", "", nullptr});
    if (step_->dropped > 0) {
      finished_rows_.push_back(Row{" > (" + std::to_string(step_->dropped) + " earlier lines not kept)", "", nullptr});
    }
    const std::string& out = step_->output;
    for (size_t at = 0; at < out.size();) {
      const size_t nl = out.find('\n', at);
      finished_rows_.push_back(Row{" > " + DrawableLine(std::string_view(out).substr(at, nl - at)), "", nullptr});
      at = nl + 1;
    }
    finished_rows_.push_back(Row{"------", "", nullptr});
  } else {
    ++steps_done_;
  }
  step_.reset();
}

void TtyDisplay::OutputLocked(std::string_view line) {
  std::string& out = step_->output;
  out.append(line);
  out.push_back('\n');
  if (out.size() <= 2 * kKeptBytes) return;
  // Let the oldest half go at once, so trimming costs nothing per line.
  const size_t cut = out.find('\n', out.size() - kKeptBytes) + 1;
  step_->dropped += static_cast<size_t>(std::count(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(cut), '\n'));
  out.erase(0, cut);
}

void TtyDisplay::Step(int n, int total, const std::string& text) {
  std::lock_guard lock(mu_);
  if (step_) CloseStepLocked(nullptr);  // FROM scratch ends without an image
  steps_total_ = total;
  step_.emplace();
  step_->label = "[" + std::to_string(n) + "/" + std::to_string(total) + "] " + DrawableLine(text);
  step_->start = clock_.NowNanos();
}

void TtyDisplay::UsingCache() {
  std::lock_guard lock(mu_);
  if (step_) step_->cached = true;
}

void TtyDisplay::StepDone(const std::string&) {
  std::lock_guard lock(mu_);
  if (step_) CloseStepLocked(nullptr);
}

void TtyDisplay::StepFailed(const std::string&) {
  std::lock_guard lock(mu_);
  failed_ = true;
  // The message itself is the command's error line, printed after the display.
  if (step_) CloseStepLocked("ERROR");
}

void TtyDisplay::Line(const std::string& text) {
  std::lock_guard lock(mu_);
  if (step_) {
    OutputLocked(text);
  } else {
    finished_rows_.push_back(Row{DrawableLine(text), "", nullptr});
  }
}

void TtyDisplay::RunOutputLine(std::string_view line) {
  std::lock_guard lock(mu_);
  if (step_) {
    OutputLocked(line);
  } else {
    finished_rows_.push_back(Row{" > " + DrawableLine(line), "", kOutput});
  }
}

void TtyDisplay::ImageBuilt(const std::string& image_id) {
  std::lock_guard lock(mu_);
  finished_rows_.push_back(Row{"=> writing image " + ShortImageId(image_id), "done", kDone});
}

void TtyDisplay::ImageTagged(const std::string& name) {
  std::lock_guard lock(mu_);
  finished_rows_.push_back(Row{"=> naming to " + name, "done", kDone});
}

void TtyDisplay::BuildFinished(const std::string&) {
  std::lock_guard lock(mu_);
  finished_ = true;
}

void TtyDisplay::TaskStarted(const void* id, const std::string& name, const ByteCounter& bytes) {
  std::lock_guard lock(mu_);
  tasks_.push_back(TaskView{id, name, &bytes, clock_.NowNanos()});
}

void TtyDisplay::TaskDone(const void* id, bool ok) {
  std::lock_guard lock(mu_);
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
    if (it->id != id) continue;
    // Inside a step a task is part of it and goes with it; on its own (save,
    // load, a blob) its last count is the result and stays.
    if (!step_) {
      Row row = TaskRow(*it, clock_.NowNanos());
      if (!ok) row.right = "ERROR";
      row.color = ok ? kDone : kError;
      finished_rows_.push_back(row);
    }
    tasks_.erase(it);
    return;
  }
}

}  // namespace ubuild::progress
