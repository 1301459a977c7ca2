#include "builder/progress/fd_terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ubuild::progress {

FdTerminal::FdTerminal(int fd) : fd_(fcntl(fd, F_DUPFD_CLOEXEC, 3)) {}

void FdTerminal::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal is gone: the build goes on without its display
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

int FdTerminal::Width() const {
  winsize ws{};
  if (ioctl(fd_.get(), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

bool IsTerminal(int fd) { return isatty(fd) == 1; }

bool ColorWanted(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return IsTerminal(fd);
}

}  // namespace ubuild::progress
