#pragma once
// Where a RUN command's output goes while it runs, as the build's display
// asks (RunOutputRoute): the container writes to the builder's descriptors
// 1 and 2, so for the length of one RUN they are pointed elsewhere.
// - kPassThrough: left alone (the classic log);
// - kKeepForFailure: a memfd, replayed on stderr when the step fails (-q),
//   so a script's `IMG=$(ubuild build -q .)` still shows why;
// - kEvents: a pipe, read by a thread that hands each line to the display.
#include <exception>
#include <string>
#include <thread>

#include "store/base/fd.h"
#include "store/base/progress_sink.h"

namespace ubuild::builder {

class RunOutputCapture {
 public:
  explicit RunOutputCapture(ProgressSink& sink);
  ~RunOutputCapture();
  RunOutputCapture(const RunOutputCapture&) = delete;
  RunOutputCapture& operator=(const RunOutputCapture&) = delete;

 private:
  static constexpr int kPauseMillis = 10;     // the reader's rest between wake-ups
  static constexpr int kPipeBytes = 1 << 20;  // what a command may write during one rest, unblocked
  void Redirect(int fd);
  void Restore();
  void ReplayToStderr();
  void ReadLines(int fd, int stop_fd);

  ProgressSink& sink_;
  const int exceptions_ = std::uncaught_exceptions();
  Fd kept_;                      // kKeepForFailure: the memfd
  Fd pipe_read_, pipe_write_;    // kEvents: the output pipe
  Fd stop_read_, stop_write_;    // kEvents: closed to stop the reader
  Fd saved_out_, saved_err_;
  std::thread reader_;
};

}  // namespace ubuild::builder
