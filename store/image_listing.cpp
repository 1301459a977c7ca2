#include "store/image_listing.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "store/image_config.h"
#include "store/image_usage.h"
#include "store/layout.h"
#include "store/reference_store.h"
#include "store/rfc3339.h"
#include "store/store.h"

namespace ubuild::store {

ImageListingFilter ImageListingFilter::FromReference(const std::string& ref) {
  ImageListingFilter f;
  size_t colon = ref.rfind(':');
  bool has_tag = colon != std::string::npos && ref.find('/', colon) == std::string::npos;
  std::string normalized = NormalizeReference(ref);
  f.repository = RepositoryOf(normalized);
  if (has_tag) f.tag = normalized.substr(f.repository.size() + 1);
  return f;
}

namespace {

// Untagged images with children are a build's intermediate steps: hidden
// unless asked for, as docker does. Parents are read only if some image is
// untagged.
class IntermediateImages {
 public:
  IntermediateImages(const ImageStore& images, const std::vector<Digest>& ids) : images_(images), ids_(ids) {}

  bool Contains(const Digest& id) {
    if (!parents_) {
      parents_.emplace();
      for (const Digest& other : ids_) {
        if (auto parent = images_.Parent(other)) parents_->insert(*parent);
      }
    }
    return parents_->count(id) != 0;
  }

 private:
  const ImageStore& images_;
  const std::vector<Digest>& ids_;
  std::optional<std::set<Digest>> parents_;
};

bool Matches(const ImageListingFilter& filter, const ImageListingRow& row) {
  return filter.repository.empty() ||
         (row.repository == filter.repository && (filter.tag.empty() || row.tag == filter.tag));
}

}  // namespace

std::vector<ImageListingRow> ListImages(const Store& store, const ImageListingFilter& filter) {
  std::map<Digest, std::vector<std::string>> tags;
  for (const auto& [ref, id] : store.refs().All()) tags[id].push_back(ref);

  std::vector<Digest> ids = store.images().List();
  IntermediateImages intermediate(store.images(), ids);
  std::vector<ImageListingRow> rows;
  std::map<Digest, uint64_t> layer_sizes;
  for (const Digest& id : ids) {
    auto t = tags.find(id);
    bool tagged = t != tags.end();
    if (!tagged && (!filter.repository.empty() || (!filter.all && intermediate.Contains(id)))) continue;
    auto config = ImageConfig::Parse(store.images().GetConfig(id), layout::ImageContent(store.root(), id).string());
    ImageListingRow base;
    base.id = id;
    base.created = config.created;
    base.created_unix = ParseRfc3339(config.created).value_or(0);
    base.size = ImageSize(store.layers(), config.diff_ids(), &layer_sizes);
    if (!tagged) {
      base.repository = base.tag = "<none>";
      rows.push_back(base);
      continue;
    }
    for (const std::string& ref : t->second) {
      ImageListingRow r = base;
      r.repository = RepositoryOf(ref);
      r.tag = ref.substr(r.repository.size() + 1);
      if (Matches(filter, r)) rows.push_back(std::move(r));
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ImageListingRow& a, const ImageListingRow& b) {
    if (a.created_unix != b.created_unix) return a.created_unix > b.created_unix;
    if (a.id != b.id) return a.id < b.id;
    return std::tie(a.repository, a.tag) < std::tie(b.repository, b.tag);
  });
  return rows;
}

}  // namespace ubuild::store
