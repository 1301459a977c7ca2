#include "builder/dispatch/run_output_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>

namespace ubuild::builder {

RunOutputCapture::RunOutputCapture(ProgressSink& sink) : sink_(sink) {
  switch (sink.RunOutput()) {
    case RunOutputRoute::kPassThrough:
      return;
    case RunOutputRoute::kKeepForFailure:
      kept_.reset(memfd_create("ubuild-run-output", MFD_CLOEXEC));
      if (kept_.valid()) Redirect(kept_.get());
      return;
    case RunOutputRoute::kEvents: {
      int p[2], s[2];
      if (pipe2(p, O_CLOEXEC) != 0) return;
      pipe_read_.reset(p[0]);
      pipe_write_.reset(p[1]);
      if (pipe2(s, O_CLOEXEC) != 0) return;
      stop_read_.reset(s[0]);
      stop_write_.reset(s[1]);
      reader_ = std::thread([this] { ReadLines(pipe_read_.get(), stop_read_.get()); });
      Redirect(pipe_write_.get());
      return;
    }
  }
}

RunOutputCapture::~RunOutputCapture() {
  Restore();
  if (reader_.joinable()) {
    pipe_write_.reset();
    // Something the command left behind may still hold the pipe open: the
    // reader drains what is there and stops when told, without waiting for EOF.
    // Closing the stop pipe's write end wakes the reader's poll (POLLHUP).
    stop_write_.reset();
    reader_.join();
  }
  if (kept_.valid() && std::uncaught_exceptions() > exceptions_) ReplayToStderr();
}

void RunOutputCapture::Redirect(int fd) {
  // Buffered text of ours goes out before the descriptors move.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  saved_out_.reset(dup(1));
  saved_err_.reset(dup(2));
  dup2(fd, 1);
  dup2(fd, 2);
}

void RunOutputCapture::Restore() {
  if (!saved_out_.valid()) return;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  dup2(saved_out_.get(), 1);
  if (saved_err_.valid()) dup2(saved_err_.get(), 2);
  saved_out_.reset();
  saved_err_.reset();
}

void RunOutputCapture::ReplayToStderr() {
  char buf[65536];
  ssize_t n;
  for (off_t at = 0; (n = pread(kept_.get(), buf, sizeof buf, at)) > 0; at += n) {
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = write(2, buf + done, static_cast<size_t>(n - done));
      if (w <= 0) return;  // stderr is gone; the error itself still reaches the caller
      done += w;
    }
  }
}

void RunOutputCapture::ReadLines(int fd, int stop_fd) {
  std::string pending;
  char buf[65536];
  bool stopping = false;
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    if (!stopping && poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) {
      stopping = true;
      // Drain without blocking: what the command wrote before it ended is there.
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      sink_.RunOutputLine(std::string_view(pending).substr(start, nl - start));
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) sink_.RunOutputLine(pending);
}

}  // namespace ubuild::builder
