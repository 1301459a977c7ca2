// ubuild history [-H=false] [--no-trunc] [-q] REF: like `docker history`, newest first
// (store/image_history.h computes the rows).
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
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
    std::string created = human ? HumanSince(r.created) : LocalRfc3339(r.created);
    std::string size = human ? HumanSize(r.size) : std::to_string(r.size);
    table.Row({show_id(r.id), created, created_by, size, r.comment});
  }
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
