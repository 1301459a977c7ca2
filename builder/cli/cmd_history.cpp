// ubuild history [-H=false] [--no-trunc] [-q] [--format F] REF: like `docker history`,
// newest first (store/image_history.h computes the rows).
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/listing_format.h"
#include "builder/cli/table_writer.h"
#include "store/base/error.h"
#include "store/digest.h"
#include "store/image_history.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdHistory(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("history"), args);
  if (p.positional.size() != 1) throw UsageError("history needs exactly one image");
  const bool human = p.Bool("human", true);
  const std::string& ref = p.positional[0];
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  auto id = s.Resolve(ref);
  if (!id) throw Error("No such image: " + ref);
  std::vector<store::ImageHistoryRow> rows = store::ImageHistory(s, *id);

  bool trunc = !p.Has("no-trunc");
  auto show_id = [&](const std::optional<store::Digest>& i) -> std::string {
    if (!i) return "<missing>";
    return trunc ? store::ShortId(i->str()) : i->str();
  };
  // docker's historyContext, one string per field.
  auto created_by = [&](const store::ImageHistoryRow& r) {
    std::string text = r.created_by;
    for (char& c : text) {
      if (c == '\t') c = ' ';
    }
    return trunc ? Ellipsis(text, 45) : text;
  };
  auto created = [&](const store::ImageHistoryRow& r) { return human ? HumanSince(r.created) : LocalRfc3339(r.created); };
  auto size = [&](const store::ImageHistoryRow& r) { return human ? HumanSize(r.size) : std::to_string(r.size); };
  if (auto f = p.values.find("format"); f != p.values.end() && !(f->second == "table" && p.Has("quiet"))) {
    // docker's table shows CREATED AT when -H=false.
    const ListingFormat listing(f->second, human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                                                 : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}");
    std::vector<go_template::Json> contexts;
    for (const auto& r : rows) {
      contexts.push_back({{"Comment", r.comment},
                          {"CreatedAt", LocalRfc3339(r.created)},
                          {"CreatedBy", created_by(r)},
                          {"CreatedSince", created(r)},
                          {"ID", show_id(r.id)},
                          {"Size", size(r)}});
    }
    std::cout << listing.Render(contexts, {{"Comment", "COMMENT"},
                                           {"CreatedAt", "CREATED AT"},
                                           {"CreatedBy", "CREATED BY"},
                                           {"CreatedSince", "CREATED"},
                                           {"ID", "IMAGE"},
                                           {"Size", "SIZE"}});
    return 0;
  }
  if (p.Has("quiet")) {
    std::string out;
    for (const auto& r : rows) out += show_id(r.id) + "\n";
    std::cout << out;
    return 0;
  }
  TableWriter table;
  table.Row({"IMAGE", human ? "CREATED" : "CREATED AT", "CREATED BY", "SIZE", "COMMENT"});
  for (const auto& r : rows) table.Row({show_id(r.id), created(r), created_by(r), size(r), r.comment});
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
