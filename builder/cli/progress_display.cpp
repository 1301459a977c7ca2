#include "builder/cli/progress_display.h"

#include <iostream>

#include "builder/cli/commands.h"
#include "store/rfc3339.h"

namespace ubuild::cli {

builder::Progress ParseProgress(const std::string& value) {
  if (value == "auto") return builder::Progress::kAuto;
  if (value == "plain") return builder::Progress::kPlain;
  if (value == "tty") return builder::Progress::kTty;
  if (value == "rawjson") return builder::Progress::kRawJson;
  if (value == "quiet") return builder::Progress::kQuiet;
  throw UsageError("--progress " + value + ": want auto, tty, plain, rawjson or quiet");
}

ProgressDisplay::ProgressDisplay(builder::Progress mode, const std::string& title, std::ostream& plain_out)
    : mode_(mode) {
  if (mode_ == builder::Progress::kAuto) {
    mode_ = progress::IsTerminal(2) ? builder::Progress::kTty : builder::Progress::kPlain;
  }
  switch (mode_) {
    case builder::Progress::kTty:
      terminal_ = std::make_unique<progress::FdTerminal>(2);
      tty_ = std::make_unique<progress::TtyDisplay>(*terminal_, clock_, progress::ColorWanted(2), title);
      tty_->Start();
      sink_ = tty_.get();
      return;
    case builder::Progress::kRawJson:
      terminal_ = std::make_unique<progress::FdTerminal>(2);
      json_ = std::make_unique<progress::RawJsonWriter>(*terminal_, [] { return store::NowRfc3339Nano(); });
      json_->Start();
      sink_ = json_.get();
      return;
    default:
      log_ = std::make_unique<builder::BuildLog>(plain_out, mode_ == builder::Progress::kQuiet);
      sink_ = log_.get();
      return;
  }
}

ProgressDisplay::~ProgressDisplay() {
  if (tty_) tty_->Stop();
  if (json_) json_->Stop();
  if (log_) log_->Flush();
}

}  // namespace ubuild::cli
