#include "builder/dispatch/run_output_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <vector>

#include "store/base/interrupt_free_thread.h"

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
      fcntl(p[1], F_SETPIPE_SZ, kPipeBytes);  // best effort: the default 64 KiB also works
      if (pipe2(s, O_CLOEXEC) != 0) return;
      stop_read_.reset(s[0]);
      stop_write_.reset(s[1]);
      reader_ = InterruptFreeThread([this] { ReadLines(pipe_read_.get(), stop_read_.get()); });
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
  // Each wake-up takes all that is there.
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string pending;
  std::vector<char> buf(1 << 16);
  bool stopping = false;
  for (;;) {
    if (!stopping) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
      // The command has ended: what it wrote is in the pipe; drain it and stop.
      if (fds[1].revents != 0) stopping = true;
    }
    bool eof = false;
    for (;;) {
      const ssize_t n = read(fd, buf.data(), buf.size());
      if (n > 0) {
        pending.append(buf.data(), static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        eof = n == 0;
        break;
      }
    }
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      sink_.RunOutputLine(std::string_view(pending).substr(start, nl - start));
    }
    pending.erase(0, start);
    if (eof || stopping) break;
    // A pause before the next wake-up, cut short by the stop: a command that
    // prints line by line then costs a wake-up per pause, not one per line,
    // while the (enlarged) pipe holds what it writes meanwhile.
    pollfd stop = {stop_fd, POLLIN, 0};
    if (poll(&stop, 1, kPauseMillis) > 0) stopping = true;
  }
  if (!pending.empty()) sink_.RunOutputLine(pending);
}

}  // namespace ubuild::builder
