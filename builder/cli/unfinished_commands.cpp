// TEMPORARY during the first session: weak definitions so the binary links
// while each command is being written in its own cmd_<name>.cpp, whose strong
// definition replaces the one here. Delete this file once every command exists.
#include "builder/cli/commands.h"
#include "store/error.h"

namespace ubuild::cli {

#define UBUILD_UNFINISHED(fn, name) \
  __attribute__((weak)) int fn(const GlobalOptions&, const Args&) { throw Error(name " is not implemented yet"); }

UBUILD_UNFINISHED(CmdBuild, "build")
UBUILD_UNFINISHED(CmdParse, "parse")
UBUILD_UNFINISHED(CmdImport, "import")
UBUILD_UNFINISHED(CmdImages, "images")
UBUILD_UNFINISHED(CmdInspect, "inspect")
UBUILD_UNFINISHED(CmdHistory, "history")
UBUILD_UNFINISHED(CmdTag, "tag")
UBUILD_UNFINISHED(CmdRmi, "rmi")
UBUILD_UNFINISHED(CmdPrune, "prune")
UBUILD_UNFINISHED(CmdLayers, "layers")
UBUILD_UNFINISHED(CmdSave, "save")
UBUILD_UNFINISHED(CmdLoad, "load")

}  // namespace ubuild::cli
