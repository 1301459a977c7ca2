// ubuild history [--no-trunc] [-q] REF: like `docker history`, newest first.
// Rows come from the config's history; the newest gets the image id, the
// one below it the parent image's, and so on; the rest are <missing>.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/table_writer.h"
#include "store/chain_id.h"
#include "store/digest.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/layout.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

struct HistoryRow {
  std::string id = "<missing>";
  std::string created, created_by, comment;
  uint64_t size = 0;
};

}  // namespace

int CmdHistory(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs("history", args, {{"no-trunc", 0}, {"quiet", 'q'}, {"human", 'H', true}});
  if (p.positional.size() != 1) throw UsageError("history needs exactly one image");
  bool human = true;
  if (auto h = p.values.find("human"); h != p.values.end()) {
    if (h->second != "true" && h->second != "false") throw UsageError("history: --human takes true or false");
    human = h->second == "true";
  }
  const std::string& ref = p.positional[0];
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  auto id = s.Resolve(ref);
  if (!id) throw Error("No such image: " + ref);
  std::string where = store::layout::ImageContent(s.root(), *id).string();
  auto config = store::ImageConfig::Parse(s.images().GetConfig(*id), where);

  std::vector<store::Digest> chain_ids = store::ChainIds(config.diff_ids());
  std::vector<HistoryRow> rows;
  size_t layer = 0;
  for (const auto& h : config.history()) {
    HistoryRow r;
    r.created = h.created;
    r.created_by = h.created_by;
    r.comment = h.comment;
    if (!h.empty_layer) {
      if (layer >= chain_ids.size()) throw Error("too many non-empty layers in History section", where);
      r.size = s.layers().SizeOf(chain_ids[layer]).value_or(0);
      ++layer;
    }
    rows.push_back(std::move(r));
  }
  std::reverse(rows.begin(), rows.end());
  std::optional<store::Digest> cur = id;
  for (HistoryRow& r : rows) {
    if (!cur || !s.images().Exists(*cur)) break;
    r.id = cur->str();
    cur = s.images().Parent(*cur);
  }

  bool trunc = !p.Has("no-trunc");
  auto show_id = [&](const std::string& i) { return trunc && i != "<missing>" ? store::ShortId(i) : i; };
  if (p.Has("quiet")) {
    std::string out;
    for (const auto& r : rows) out += show_id(r.id) + "\n";
    std::cout << out;
    return 0;
  }
  TableWriter table;
  table.Row({"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"});
  for (const auto& r : rows) {
    std::string created_by = r.created_by;
    for (char& c : created_by) {
      if (c == '\t') c = ' ';
    }
    if (trunc) created_by = Ellipsis(created_by, 45);
    std::string created = human ? HumanSince(r.created) : r.created;
    std::string size = human ? HumanSize(r.size) : std::to_string(r.size);
    table.Row({show_id(r.id), created, created_by, size, r.comment});
  }
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
