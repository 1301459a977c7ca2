// The live display drawn on a fake terminal with a hand-driven clock: what
// a user sees at each frame, without a pty.
#include "builder/progress/tty_display.h"

#include <gtest/gtest.h>

#include <string>

namespace ubuild::progress {
namespace {

class FakeClock : public DisplayClock {
 public:
  int64_t NowNanos() const override { return now; }
  void Advance(double seconds) { now += static_cast<int64_t>(seconds * 1e9); }
  int64_t now = 1000000000;
};

class FakeTerminal : public Terminal {
 public:
  void Write(std::string_view bytes) override {
    frames.emplace_back(bytes);
    all += bytes;
  }
  int Width() const override { return width; }
  std::string Last() const { return frames.empty() ? "" : frames.back(); }
  std::vector<std::string> frames;
  std::string all;
  int width = 60;
};

bool Contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

TEST(TtyDisplay, RunningStepShowsElapsedTimeAndOutputWindow) {
  FakeClock clock;
  FakeTerminal term;
  TtyDisplay d(term, clock, false);
  d.Step(2, 3, "RUN make");
  for (int i = 1; i <= 9; ++i) d.RunOutputLine("line " + std::to_string(i));
  clock.Advance(2.34);
  d.Redraw();
  const std::string frame = term.Last();
  EXPECT_TRUE(Contains(frame, "[+] Building 2.3s (0/3)")) << frame;
  EXPECT_TRUE(Contains(frame, "=> [2/3] RUN make")) << frame;
  EXPECT_TRUE(Contains(frame, "2.3s\n")) << frame;
  // The window holds the last six lines only.
  EXPECT_FALSE(Contains(frame, "line 3\n")) << frame;
  for (int i = 4; i <= 9; ++i) EXPECT_TRUE(Contains(frame, " > line " + std::to_string(i) + "\n")) << frame;
}

TEST(TtyDisplay, FinishedStepCollapsesToOneLine) {
  FakeClock clock;
  FakeTerminal term;
  TtyDisplay d(term, clock, false);
  d.Step(1, 2, "RUN echo hi");
  d.RunOutputLine("hi");
  d.Redraw();
  clock.Advance(0.5);
  d.StepDone("sha256:0123456789abcdef");
  d.Step(2, 2, "COPY . /app");
  d.UsingCache();
  d.StepDone("sha256:fedcba9876543210");
  d.Redraw();
  const std::string frame = term.Last();
  // Back over the three live rows drawn before, cleared, then the finished steps.
  EXPECT_EQ(frame.rfind("\r\x1b[3A\x1b[J", 0), 0u) << frame;
  EXPECT_TRUE(Contains(frame, "=> [1/2] RUN echo hi")) << frame;
  EXPECT_TRUE(Contains(frame, "0.5s\n")) << frame;
  EXPECT_TRUE(Contains(frame, "=> CACHED [2/2] COPY . /app")) << frame;
  // Collapsed: the output is gone, and no live area is left.
  EXPECT_FALSE(Contains(frame, " > hi")) << frame;
  EXPECT_FALSE(Contains(frame, "[+] Building")) << frame;
  d.ImageBuilt("sha256:0123456789abcdef0123");
  d.ImageTagged("docker.io/library/app:latest");
  d.BuildFinished("sha256:0123456789abcdef0123");
  d.Stop();
  EXPECT_TRUE(Contains(term.Last(), "=> writing image sha256:0123456789ab")) << term.Last();
  EXPECT_TRUE(Contains(term.Last(), "=> naming to docker.io/library/app:latest")) << term.Last();
  EXPECT_TRUE(Contains(term.Last(), "(2/2) FINISHED")) << term.Last();
}

TEST(TtyDisplay, FailedStepKeepsItsWholeOutput) {
  FakeClock clock;
  FakeTerminal term;
  TtyDisplay d(term, clock, false);
  d.Step(1, 1, "RUN ./test.sh");
  for (int i = 1; i <= 20; ++i) d.RunOutputLine("out " + std::to_string(i));
  d.StepFailed("Dockerfile:2: the command returned a non-zero code: 1");
  d.Stop();
  EXPECT_TRUE(Contains(term.all, "=> ERROR [1/1] RUN ./test.sh")) << term.all;
  for (int i = 1; i <= 20; ++i) EXPECT_TRUE(Contains(term.all, " > out " + std::to_string(i) + "\n")) << i;
  EXPECT_TRUE(Contains(term.all, "(0/1) FAILED")) << term.all;
}

TEST(TtyDisplay, ColourOnlyWhenAsked) {
  for (bool color : {false, true}) {
    FakeClock clock;
    FakeTerminal term;
    TtyDisplay d(term, clock, color);
    d.Step(1, 2, "RUN a");
    d.RunOutputLine("x");
    d.Redraw();
    d.StepDone("sha256:00");
    d.Step(2, 2, "RUN false");
    d.StepFailed("failed");
    d.Stop();
    EXPECT_EQ(Contains(term.all, "\x1b[34m"), color);
    EXPECT_EQ(Contains(term.all, "\x1b[31m"), color);
    EXPECT_EQ(Contains(term.all, "\x1b[2m"), color);
    EXPECT_EQ(Contains(term.all, "\x1b[0m"), color);
  }
}

TEST(TtyDisplay, ByteCounterShowsRateAndEta) {
  FakeClock clock;
  FakeTerminal term;
  TtyDisplay d(term, clock, false, "Saving");
  {
    ProgressTask task(&d, "writing app.tar", 40000000);
    clock.Advance(2);
    task.Add(10000000);
    d.Redraw();
    EXPECT_TRUE(Contains(term.Last(), "[+] Saving 2.0s")) << term.Last();
    EXPECT_TRUE(Contains(term.Last(), "=> writing app.tar 10MB / 40MB  5MB/s  ETA 6s")) << term.Last();
    clock.Advance(6);
    task.Add(30000000);
  }
  d.Stop();
  // Done on its own (no step): its last count stays on screen.
  EXPECT_TRUE(Contains(term.all, "=> writing app.tar 40MB / 40MB  5MB/s")) << term.all;
}

TEST(TtyDisplay, RowsFitTheWidth) {
  FakeClock clock;
  FakeTerminal term;
  term.width = 30;
  TtyDisplay d(term, clock, false);
  d.Step(1, 1, "RUN " + std::string(100, 'a'));
  d.RunOutputLine("\x1b[1mbold\x1b[0m\tand a progress 10%\rprogress 100%");
  d.Redraw();
  size_t start = 0;
  const std::string frame = term.Last();
  for (size_t nl; (nl = frame.find('\n', start)) != std::string::npos; start = nl + 1) {
    EXPECT_LE(nl - start, 29u) << frame.substr(start, nl - start);
  }
  EXPECT_TRUE(Contains(frame, " > progress 100%\n")) << frame;
  // A finished row scrolls away: it is never cut, and may wrap.
  d.StepFailed("failed");
  d.Stop();
  EXPECT_TRUE(Contains(term.Last(), " > progress 100%\n")) << term.Last();
  EXPECT_TRUE(Contains(term.all, "=> ERROR [1/1] RUN aaaa")) << term.all;
}

TEST(TtyDisplay, NotesOutsideStepsAreNotCut) {
  FakeClock clock;
  FakeTerminal term;
  term.width = 30;
  TtyDisplay d(term, clock, false);
  d.Line("latest: digest: sha256:" + std::string(64, 'f'));
  d.Redraw();
  EXPECT_EQ(term.Last(), "latest: digest: sha256:" + std::string(64, 'f') + "\n");
}

TEST(TtyDisplay, NothingIsDrawnWhenNothingHappens) {
  FakeClock clock;
  FakeTerminal term;
  TtyDisplay d(term, clock, false);
  d.Redraw();
  d.Redraw();
  EXPECT_TRUE(term.frames.empty());
}

}  // namespace
}  // namespace ubuild::progress
