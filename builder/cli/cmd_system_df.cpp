// ubuild system df [--format F]: the Images line of `docker system df`. Images counts the
// images `ubuild images` lists; the active ones are those with a tag (ubuild
// has no containers, so a tag is what keeps an image); SIZE is every layer in
// the store once, a file hard-linked into several layers once; RECLAIMABLE is
// what no tagged image's layers include (store/layer_disk_usage.h).
#include <iostream>
#include <set>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/listing_format.h"
#include "store/chain_id.h"
#include "store/image_config.h"
#include "store/image_listing.h"
#include "store/layer_disk_usage.h"
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
  const store::LayerDiskUsage usage = store::MeasureLayerDiskUsage(s.layers(), kept_layers);
  const uint64_t total = usage.total, reclaimable = usage.reclaimable;

  // docker's diskUsage context: go-units' HumanSize (4 digits), the share in
  // whole percent only when there is a size; every field a string.
  std::string reclaim = HumanSize(reclaimable, 4);
  if (total > 0) reclaim += " (" + std::to_string(reclaimable * 100 / total) + "%)";
  auto f = p.values.find("format");
  const ListingFormat listing(f == p.values.end() ? "table" : f->second,
                              "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}");
  std::cout << listing.Render({{{"Active", std::to_string(tagged.size())},
                                {"Reclaimable", reclaim},
                                {"Size", HumanSize(total, 4)},
                                {"TotalCount", std::to_string(listed.size())},
                                {"Type", "Images"}}},
                              {{"Active", "ACTIVE"},
                               {"Reclaimable", "RECLAIMABLE"},
                               {"Size", "SIZE"},
                               {"TotalCount", "TOTAL"},
                               {"Type", "TYPE"}});
  return 0;
}

}  // namespace ubuild::cli
