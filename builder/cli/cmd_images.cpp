// ubuild images [-a] [-q] [--no-trunc] [REPOSITORY[:TAG]]: like `docker images`.
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/human_format.h"
#include "builder/cli/table_writer.h"
#include "store/digest.h"
#include "store/image_config.h"
#include "store/image_usage.h"
#include "store/layout.h"
#include "store/reference_store.h"
#include "store/rfc3339.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

struct Row {
  std::string repository, tag;
  store::Digest id;
  std::string created;
  int64_t created_unix = 0;
  uint64_t size = 0;
};

}  // namespace

int CmdImages(const GlobalOptions& g, const Args& args) {
  ParsedArgs p = ParseCommandArgs("images", args, {{"all", 'a'}, {"quiet", 'q'}, {"no-trunc", 0}});
  if (p.positional.size() > 1) throw UsageError("images takes at most one REPOSITORY[:TAG]");
  std::string want_repo, want_tag;
  if (!p.positional.empty()) {
    const std::string& f = p.positional[0];
    size_t colon = f.rfind(':');
    bool has_tag = colon != std::string::npos && f.find('/', colon) == std::string::npos;
    std::string normalized = store::NormalizeReference(f);
    want_repo = store::RepositoryOf(normalized);
    if (has_tag) want_tag = normalized.substr(want_repo.size() + 1);
  }

  auto s = store::Store::Open(g.root, store::Store::Mode::kRead);
  std::map<store::Digest, std::vector<std::string>> tags;
  for (const auto& [ref, id] : s.refs().All()) tags[id].push_back(ref);

  std::vector<store::Digest> ids = s.images().List();
  // Untagged images with children are a build's intermediate steps: hidden
  // unless -a, as docker does. Parents are read only if some image is untagged.
  std::optional<std::set<store::Digest>> parents;
  std::vector<Row> rows;
  std::map<store::Digest, uint64_t> layer_sizes;
  for (const store::Digest& id : ids) {
    auto t = tags.find(id);
    bool tagged = t != tags.end();
    if (!tagged && !want_repo.empty()) continue;
    if (!tagged && !p.Has("all")) {
      if (!parents) {
        parents.emplace();
        for (const store::Digest& other : ids) {
          if (auto parent = s.images().Parent(other)) parents->insert(*parent);
        }
      }
      if (parents->count(id)) continue;
    }
    auto config = store::ImageConfig::Parse(s.images().GetConfig(id), store::layout::ImageContent(s.root(), id).string());
    Row base;
    base.id = id;
    base.created = config.created;
    base.created_unix = store::ParseRfc3339(config.created).value_or(0);
    base.size = store::ImageSize(s.layers(), config.diff_ids(), &layer_sizes);
    if (!tagged) {
      base.repository = base.tag = "<none>";
      rows.push_back(base);
      continue;
    }
    for (const std::string& ref : t->second) {
      Row r = base;
      r.repository = store::RepositoryOf(ref);
      r.tag = ref.substr(r.repository.size() + 1);
      if (!want_repo.empty() && (r.repository != want_repo || (!want_tag.empty() && r.tag != want_tag))) continue;
      rows.push_back(std::move(r));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.created_unix != b.created_unix) return a.created_unix > b.created_unix;
    if (a.id != b.id) return a.id < b.id;
    return std::tie(a.repository, a.tag) < std::tie(b.repository, b.tag);
  });

  bool trunc = !p.Has("no-trunc");
  auto show_id = [&](const store::Digest& id) { return trunc ? store::ShortId(id.str()) : id.str(); };
  if (p.Has("quiet")) {
    std::string out;
    for (const Row& r : rows) out += show_id(r.id) + "\n";
    std::cout << out;
    return 0;
  }
  TableWriter table;
  table.Row({"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
  for (const Row& r : rows) table.Row({r.repository, r.tag, show_id(r.id), HumanSince(r.created), HumanSize(r.size)});
  table.Print(std::cout);
  return 0;
}

}  // namespace ubuild::cli
