// ubuild images [-a] [-q] [--no-trunc] [--digests] [-f KEY=VALUE]… [--format F] [REPOSITORY[:TAG]]:
// like `docker images`.
#include <iostream>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/image_filter.h"
#include "builder/cli/listing_format.h"
#include "builder/cli/table_writer.h"
#include "store/digest.h"
#include "store/image_listing.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

std::string ShownId(const store::Digest& id, bool trunc) { return trunc ? store::ShortId(id.str()) : id.str(); }

// The manifest digest this repository knows the image by (pulled or pushed).
std::string ManifestDigestOf(store::Store& s, const store::ImageListingRow& r) {
  for (const std::string& d : s.refs().DigestsOf(r.id)) {
    if (d.compare(0, r.repository.size() + 1, r.repository + "@") == 0) return d.substr(r.repository.size() + 1);
  }
  return "<none>";
}

std::vector<store::ImageListingRow> SelectedRows(store::Store& s, const ParsedArgs& p) {
  store::ImageListingFilter filter;
  if (!p.positional.empty()) filter = store::ImageListingFilter::FromReference(p.positional[0]);
  filter.all = p.Has("all");
  std::vector<store::ImageListingRow> rows = store::ListImages(s, filter);
  if (auto f = p.repeated.find("filter"); f != p.repeated.end()) {
    const ImageFilter image_filter(s, f->second);
    std::erase_if(rows, [&](const store::ImageListingRow& r) { return !image_filter.Matches(s, r); });
  }
  return rows;
}

void PrintFormatted(store::Store& s, const std::vector<store::ImageListingRow>& rows, std::string format,
                    bool digests, bool trunc) {
  // docker adds the digest column to a table that lacks it.
  if (digests && format.starts_with("table") && format != "table" && format.find("{{.Digest}}") == std::string::npos) {
    format += "\t{{.Digest}}";
  }
  const ListingFormat listing(format, digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                                              : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}");
  // docker's imageContext: every field a string; Containers and the
  // shared sizes are "N/A" in a listing (docker images -v computes them).
  std::vector<go_template::Json> contexts;
  for (const store::ImageListingRow& r : rows) {
    contexts.push_back({{"Containers", "N/A"},
                        {"CreatedAt", LocalGoTime(r.created)},
                        {"CreatedSince", HumanSince(r.created)},
                        {"Digest", digests && r.repository != "<none>" ? ManifestDigestOf(s, r) : "<none>"},
                        {"ID", ShownId(r.id, trunc)},
                        {"Repository", r.repository},
                        {"SharedSize", "N/A"},
                        {"Size", HumanSize(r.size)},
                        {"Tag", r.tag},
                        {"UniqueSize", "N/A"},
                        {"VirtualSize", HumanSize(r.size, 4)}});
  }
  std::cout << listing.Render(contexts, {{"Containers", "CONTAINERS"},
                                         {"CreatedAt", "CREATED AT"},
                                         {"CreatedSince", "CREATED"},
                                         {"Digest", "DIGEST"},
                                         {"ID", "IMAGE ID"},
                                         {"Repository", "REPOSITORY"},
                                         {"SharedSize", "SHARED SIZE"},
                                         {"Size", "SIZE"},
                                         {"Tag", "TAG"},
                                         {"UniqueSize", "UNIQUE SIZE"},
                                         {"VirtualSize", "VIRTUAL SIZE"}});
}

void PrintTable(store::Store& s, const std::vector<store::ImageListingRow>& rows, bool digests, bool trunc) {
  TableWriter table;
  if (digests) {
    table.Row({"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"});
    for (const store::ImageListingRow& r : rows) {
      table.Row({r.repository, r.tag, ManifestDigestOf(s, r), ShownId(r.id, trunc), HumanSince(r.created),
                 HumanSize(r.size)});
    }
  } else {
    table.Row({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
    for (const store::ImageListingRow& r : rows) {
      table.Row({r.repository, r.tag, ShownId(r.id, trunc), HumanSince(r.created), HumanSize(r.size)});
    }
  }
  table.Print(std::cout);
}

}  // namespace

int CmdImages(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs(CommandNamed("images"), args);
  if (p.positional.size() > 1) throw UsageError("images takes at most one REPOSITORY[:TAG]");
  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  const std::vector<store::ImageListingRow> rows = SelectedRows(s, p);
  const bool trunc = !p.Has("no-trunc");
  const bool digests = p.Has("digests");
  if (auto f = p.values.find("format"); f != p.values.end() && !(f->second == "table" && p.Has("quiet"))) {
    PrintFormatted(s, rows, f->second, digests, trunc);
  } else if (p.Has("quiet")) {
    std::string out;
    for (const store::ImageListingRow& r : rows) out += ShownId(r.id, trunc) + "\n";
    std::cout << out;
  } else {
    PrintTable(s, rows, digests, trunc);
  }
  return 0;
}

}  // namespace ubuild::cli
