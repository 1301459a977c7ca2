#pragma once
// The display --progress asks for, made ready for one command: the classic
// log on stdout (plain; quiet prints the id alone), or on stderr the live
// terminal view (tty) or BuildKit-style JSON lines (rawjson). auto is tty
// when stderr is a terminal, else plain. Stopped (its last frame drawn)
// when it goes out of scope, before the command's error is printed.
#include <iostream>
#include <memory>
#include <string>

#include "builder/dispatch/build_log.h"
#include "builder/dispatch/build_options.h"
#include "builder/progress/fd_terminal.h"
#include "builder/progress/rawjson_writer.h"
#include "builder/progress/tty_display.h"

namespace ubuild::cli {

// --progress VALUE: auto, tty, plain, rawjson, quiet.
builder::Progress ParseProgress(const std::string& value);

class ProgressDisplay {
 public:
  // `title`: the live view's verb ("Building", "Saving", ...).
  // `plain_out`: where the classic log goes (stdout unless the command's
  // result is written there).
  ProgressDisplay(builder::Progress mode, const std::string& title, std::ostream& plain_out = std::cout);
  ~ProgressDisplay();

  ProgressSink& sink() { return *sink_; }
  builder::Progress mode() const { return mode_; }  // auto resolved

 private:
  builder::Progress mode_;
  progress::SteadyDisplayClock clock_;
  std::unique_ptr<progress::FdTerminal> terminal_;
  std::unique_ptr<builder::BuildLog> log_;
  std::unique_ptr<progress::TtyDisplay> tty_;
  std::unique_ptr<progress::RawJsonWriter> json_;
  ProgressSink* sink_ = nullptr;
};

}  // namespace ubuild::cli
