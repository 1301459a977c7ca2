// ubuild images [-a] [-q] [--no-trunc] [-f KEY=VALUE]… [REPOSITORY[:TAG]]: like `docker images`.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/image_filter.h"
#include "builder/cli/table_writer.h"
#include "store/digest.h"
#include "store/image_listing.h"
#include "store/store.h"

namespace ubuild::cli {

int CmdImages(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("images"), args);
  if (p.positional.size() > 1) throw UsageError("images takes at most one REPOSITORY[:TAG]");
  store::ImageListingFilter filter;
  if (!p.positional.empty()) filter = store::ImageListingFilter::FromReference(p.positional[0]);
  filter.all = p.Has("all");
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  std::vector<store::ImageListingRow> rows = store::ListImages(s, filter);
  if (auto f = p.repeated.find("filter"); f != p.repeated.end()) {
    const ImageFilter image_filter(s, f->second);
    std::erase_if(rows, [&](const store::ImageListingRow& r) { return !image_filter.Matches(s, r); });
  }

  bool trunc = !p.Has("no-trunc");
  auto show_id = [&](const store::Digest& id) { return trunc ? store::ShortId(id.str()) : id.str(); };
  if (p.Has("quiet")) {
    std::string out;
    for (const store::ImageListingRow& r : rows) out += show_id(r.id) + "\n";
    std::cout << out;
    return 0;
  }
  TableWriter table;
  if (p.Has("digests")) {
    // The manifest digest this repository knows the image by (pulled or pushed).
    auto digest_of = [&](const store::ImageListingRow& r) -> std::string {
      for (const std::string& d : s.refs().DigestsOf(r.id)) {
        if (d.compare(0, r.repository.size() + 1, r.repository + "@") == 0) return d.substr(r.repository.size() + 1);
      }
      return "<none>";
    };
    table.Row({"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"});
    for (const store::ImageListingRow& r : rows) {
      table.Row({r.repository, r.tag, digest_of(r), show_id(r.id), HumanSince(r.created), HumanSize(r.size)});
    }
  } else {
    table.Row({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
    for (const store::ImageListingRow& r : rows) {
      table.Row({r.repository, r.tag, show_id(r.id), HumanSince(r.created), HumanSize(r.size)});
    }
  }
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
