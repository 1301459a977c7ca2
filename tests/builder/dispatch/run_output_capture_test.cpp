// RUN's output routed as the display asks: lines to the sink, descriptors
// 1 and 2 given back afterwards.
#include "builder/dispatch/run_output_capture.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

namespace ubuild::builder {
namespace {

class LineSink : public ProgressSink {
 public:
  explicit LineSink(RunOutputRoute route) : route_(route) {}
  RunOutputRoute RunOutput() const override { return route_; }
  void RunOutputLine(std::string_view line) override {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  }
  std::mutex mu;
  std::vector<std::string> lines;

 private:
  RunOutputRoute route_;
};

void WriteAll(int fd, const std::string& s) { ASSERT_EQ(write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }

ino_t InodeOf(int fd) {
  struct stat st {};
  fstat(fd, &st);
  return st.st_ino;
}

TEST(RunOutputCapture, EventsGetEveryLineFromBothDescriptors) {
  const ino_t out_before = InodeOf(1), err_before = InodeOf(2);
  LineSink sink(RunOutputRoute::kEvents);
  {
    RunOutputCapture capture(sink);
    EXPECT_NE(InodeOf(1), out_before);
    WriteAll(1, "one\ntw");
    WriteAll(2, "o\r\n");
    std::string big(100000, 'x');
    WriteAll(1, big + "\nno newline at the end");
  }
  EXPECT_EQ(InodeOf(1), out_before);
  EXPECT_EQ(InodeOf(2), err_before);
  ASSERT_EQ(sink.lines.size(), 4u);
  EXPECT_EQ(sink.lines[0], "one");
  EXPECT_EQ(sink.lines[1], "two\r");
  EXPECT_EQ(sink.lines[2], std::string(100000, 'x'));
  EXPECT_EQ(sink.lines[3], "no newline at the end");
}

TEST(RunOutputCapture, PassThroughLeavesTheDescriptorsAlone) {
  const ino_t out_before = InodeOf(1);
  LineSink sink(RunOutputRoute::kPassThrough);
  RunOutputCapture capture(sink);
  EXPECT_EQ(InodeOf(1), out_before);
}

}  // namespace
}  // namespace ubuild::builder
