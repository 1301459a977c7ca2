// `ubuild pull [--platform OS/ARCH[/VARIANT]] [-q] REF`: an image from a
// registry into the store (store/registry/image_pull.h), printing what
// `docker pull` prints when its output is not a terminal.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/progress_display.h"
#include "store/registry/image_pull.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdPull(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("pull"), args);
  if (p.positional.size() != 1) throw UsageError("pull needs exactly one image reference (usage: ubuild pull [--platform OS/ARCH] [-q] REF)");
  auto ref = store::registry::ImageReference::Parse(p.positional[0]);
  store::registry::PullOptions options;
  if (p.Has("platform")) options.platform = store::registry::Platform::Parse(p.values.at("platform"));
  const bool quiet = p.Has("quiet");
  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  store::registry::PullResult r;
  {
    // On a terminal the live display counts each layer's bytes, with
    // docker's lines above it; otherwise the lines alone, on stdout.
    ProgressDisplay display(quiet ? builder::Progress::kQuiet : builder::Progress::kAuto, "Pulling");
    if (display.mode() == builder::Progress::kTty) {
      options.progress = [&display](const std::string& line) { display.sink().Line(line); };
      options.sink = &display.sink();
    } else if (!quiet) {
      options.progress = [](const std::string& line) { std::cout << line << std::endl; };
    }
    r = store::registry::PullImage(s, ref, options);
  }
  if (!quiet) {
    std::cout << "Digest: " << r.manifest_digest.str() << "\n";
    std::cout << "Status: " << (r.new_image ? "Downloaded newer image for " : "Image is up to date for ")
              << ref.FamiliarString() << "\n";
  }
  std::cout << ref.String() << "\n";
  return 0;
}

}  // namespace ubuild::cli
