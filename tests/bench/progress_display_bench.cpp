// The live display's own CPU cost, apart from a build: 200,000 lines written
// line by line (as `echo` in a RUN loop writes them) with the RUN capture
// and the tty display, against the same writes to /dev/null with the
// classic log's pass-through; and 20,000 files' byte counts. Process CPU
// time (all threads, the display's redraw thread included).
//
//   build/progress_display_bench [LINES]
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "builder/dispatch/run_output_capture.h"
#include "builder/progress/tty_display.h"

namespace {

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

class NullTerminal : public ubuild::progress::Terminal {
 public:
  void Write(std::string_view bytes) override { written += bytes.size(); }
  int Width() const override { return 120; }
  size_t written = 0;
};

class PassThrough : public ubuild::ProgressSink {};

void WriteLines(long lines) {
  char line[64];
  for (long i = 0; i < lines; ++i) {
    const int n = std::snprintf(line, sizeof line, "step 1 line %ld of the output\n", i);
    if (write(1, line, static_cast<size_t>(n)) != n) std::abort();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long lines = argc > 1 ? std::atol(argv[1]) : 200000;
  const int saved = dup(1);
  const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

  // Baseline: the writes alone, to /dev/null, as plain leaves them.
  dup2(null, 1);
  double t0 = CpuSeconds();
  {
    PassThrough sink;
    ubuild::builder::RunOutputCapture capture(sink);
    WriteLines(lines);
  }
  const double plain = CpuSeconds() - t0;

  NullTerminal terminal;
  ubuild::progress::SteadyDisplayClock clock;
  ubuild::progress::TtyDisplay display(terminal, clock, true);
  display.Start();
  t0 = CpuSeconds();
  display.Step(1, 2, "RUN loop");
  {
    ubuild::builder::RunOutputCapture capture(display);
    WriteLines(lines);
  }
  display.StepDone("sha256:00");
  const double tty = CpuSeconds() - t0;

  t0 = CpuSeconds();
  display.Step(2, 2, "COPY files /files");
  {
    ubuild::ProgressTask task(&display, "copying files");
    for (int i = 0; i < 20000; ++i) task.Expect(1000);
    for (int i = 0; i < 20000; ++i) task.Add(1000);
  }
  display.StepDone("sha256:01");
  const double copy = CpuSeconds() - t0;
  display.Stop();
  dup2(saved, 1);

  std::printf("RUN output, %ld lines: plain %.3f s CPU, tty %.3f s CPU: %.0f ns per line for the display\n", lines,
              plain, tty, (tty - plain) * 1e9 / static_cast<double>(lines));
  std::printf("COPY byte counts, 20,000 files: %.3f ms CPU\n", copy * 1e3);
  std::printf("terminal bytes written: %zu\n", terminal.written);
  return 0;
}
