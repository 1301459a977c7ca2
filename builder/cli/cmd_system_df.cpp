// ubuild system df: the Images line of `docker system df`. Images counts the
// images `ubuild images` lists; the active ones are those with a tag (ubuild
// has no containers, so a tag is what keeps an image); SIZE is every layer in
// the store once; RECLAIMABLE is what no tagged image's layers include.
#include <iostream>
#include <set>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/table_writer.h"
#include "store/chain_id.h"
#include "store/image_config.h"
#include "store/image_listing.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdSystemDf(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("system df"), args);
  if (!p.positional.empty()) throw UsageError("system df takes no arguments");
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);

  std::set<store::Digest> listed;
  for (const store::ImageListingRow& r : store::ListImages(s, {})) listed.insert(r.id);
  std::set<store::Digest> tagged;
  for (const auto& [ref, id] : s.refs().All()) tagged.insert(id);
  std::set<store::Digest> kept_layers;
  for (const store::Digest& id : tagged) {
    auto config = store::ImageConfig::Parse(s.images().GetConfig(id), store::layout::ImageContent(s.root(), id).string());
    for (const store::Digest& chain : store::ChainIds(config.diff_ids())) kept_layers.insert(chain);
  }
  uint64_t total = 0, reclaimable = 0;
  for (const store::Digest& chain : s.layers().List()) {
    const uint64_t size = s.layers().SizeOf(chain).value_or(0);
    total += size;
    if (!kept_layers.count(chain)) reclaimable += size;
  }

  // docker's formatter: the share in whole percent, only when there is a size.
  std::string reclaim = HumanSize(reclaimable);
  if (total > 0) reclaim += " (" + std::to_string(reclaimable * 100 / total) + "%)";
  TableWriter table;
  table.Row({"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
  table.Row({"Images", std::to_string(listed.size()), std::to_string(tagged.size()), HumanSize(total), reclaim});
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
