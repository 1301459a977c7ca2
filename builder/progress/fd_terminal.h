#pragma once
// The Terminal of a real display: a duplicate of the descriptor taken when
// the display starts, so that RUN's capture, which points descriptors 1 and
// 2 at a pipe for the length of a command, never swallows the display itself.
#include "builder/progress/display_clock.h"
#include "store/base/fd.h"

namespace ubuild::progress {

class FdTerminal : public Terminal {
 public:
  explicit FdTerminal(int fd);
  void Write(std::string_view bytes) override;
  int Width() const override;  // TIOCGWINSZ; 80 when the size is not known

 private:
  Fd fd_;
};

// Whether `fd` is a terminal, and whether colour is wanted on it: never when
// NO_COLOR is set to anything non-empty (no-color.org) or TERM is "dumb".
bool IsTerminal(int fd);
bool ColorWanted(int fd);

}  // namespace ubuild::progress
