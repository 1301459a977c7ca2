// `ubuild push [-q] [--compression gzip|zstd|uncompressed] [--compression-level N] REF`: an image of the store to its registry
// (store/registry/image_push.h), printing what `docker push` prints when
// its output is not a terminal.
#include <iostream>
#include <optional>
#include <string>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/compression_flags.h"
#include "builder/cli/progress_display.h"
#include "store/registry/image_push.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdPush(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("push"), args);
  if (p.positional.size() != 1) throw UsageError("push needs exactly one image reference (usage: ubuild push [-q] [--compression C] NAME[:TAG])");
  auto ref = store::registry::ImageReference::Parse(p.positional[0]);
  store::registry::PushOptions options;
  if (auto compression = CompressionFromFlags(p, "gzip")) {
    options.compression = *compression;
    options.force_compression = true;
  }
  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  {
    // On a terminal the live display counts each upload's bytes, with
    // docker's lines above it; otherwise the lines alone, on stdout.
    ProgressDisplay display(p.Has("quiet") ? builder::Progress::kQuiet : builder::Progress::kAuto, "Pushing");
    if (display.mode() == builder::Progress::kTty) {
      options.progress = [&display](const std::string& line) { display.sink().Line(line); };
      options.sink = &display.sink();
    } else if (!p.Has("quiet")) {
      options.progress = [](const std::string& line) { std::cout << line << std::endl; };
    }
    store::registry::PushImage(s, ref, options);
  }
  if (p.Has("quiet")) std::cout << ref.String() << "\n";
  return 0;
}

}  // namespace ubuild::cli
