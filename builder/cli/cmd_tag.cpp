// ubuild tag SRC DST: DST (Docker's name rules, ":latest" implied) names SRC's image.
#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "store/base/error.h"
#include "store/reference_store.h"
#include "store/rfc3339.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdTag(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("tag"), args);
  if (p.positional.size() != 2) throw UsageError("tag needs SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]");
  std::string target = store::NormalizeReference(p.positional[1]);
  auto s = store::Store::Open(g.root, store::Store::Mode::kWrite);
  auto id = s.Resolve(p.positional[0]);
  if (!id) throw Error("No such image: " + p.positional[0]);
  s.refs().Tag(target, *id);
  s.images().SetMetadata(*id, "lastUpdated", store::NowRfc3339Nano());
  return 0;
}

}  // namespace ubuild::cli
