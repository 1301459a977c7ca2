#include "builder/cli/image_filter.h"

#include <fnmatch.h>

#include <tuple>

#include "builder/cli/commands.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/layout.h"
#include "store/rfc3339.h"

namespace ubuild::cli {

namespace {

// Go's path.Match for the patterns docker users write: '*' stops at '/'.
bool PathMatch(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), FNM_PATHNAME) == 0;
}

}  // namespace

bool ImageFilter::Instant::operator<(const Instant& o) const {
  // Go trims trailing zeros from the fraction, so digit strings compare as numbers do.
  return std::tie(seconds, fraction) < std::tie(o.seconds, o.fraction);
}

ImageFilter::Instant ImageFilter::CreatedOf(const store::Store& s, const store::Digest& id) {
  auto config = store::ImageConfig::Parse(s.images().GetConfig(id), store::layout::ImageContent(s.root(), id).string());
  Instant t;
  t.seconds = store::ParseRfc3339(config.created).value_or(0);
  const size_t dot = config.created.find('.');
  if (dot != std::string::npos) {
    const size_t end = config.created.find_first_not_of("0123456789", dot + 1);
    t.fraction = config.created.substr(dot + 1, end == std::string::npos ? std::string::npos : end - dot - 1);
  }
  return t;
}

ImageFilter::ImageFilter(const store::Store& s, const std::vector<std::string>& filters) {
  for (const std::string& f : filters) {
    const size_t eq = f.find('=');
    if (eq == std::string::npos) throw UsageError("bad format of filter (expected name=value): " + f);
    const std::string key = f.substr(0, eq), value = f.substr(eq + 1);
    if (key == "dangling") {
      if (value != "true" && value != "false" && value != "1" && value != "0") {
        throw UsageError("invalid filter 'dangling=" + value + "': want true or false");
      }
    } else if (key == "before" || key == "since") {
      auto id = s.Resolve(value);
      if (!id) throw Error("No such image: " + value);
      (key == "before" ? before_ : since_).push_back(CreatedOf(s, *id));
    } else if (key != "label" && key != "reference") {
      throw UsageError("invalid filter '" + key + "' (images takes dangling, label, reference, before, since)");
    }
    by_key_[key].push_back(value);
  }
}

bool ImageFilter::Matches(const store::Store& s, const store::ImageListingRow& row) const {
  const bool untagged = row.tag == "<none>" && row.repository == "<none>";
  if (auto d = by_key_.find("dangling"); d != by_key_.end()) {
    bool any = false;
    for (const std::string& v : d->second) any |= (v == "true" || v == "1") == untagged;
    if (!any) return false;
  }
  if (auto r = by_key_.find("reference"); r != by_key_.end()) {
    if (untagged) return false;
    bool any = false;
    for (const std::string& pattern : r->second) {
      any |= PathMatch(pattern, row.repository) || PathMatch(pattern, row.repository + ":" + row.tag);
    }
    if (!any) return false;
  }
  if (!before_.empty() || !since_.empty()) {
    const Instant created = CreatedOf(s, row.id);
    for (const Instant& t : before_) {
      if (!(created < t)) return false;
    }
    for (const Instant& t : since_) {
      if (!(t < created)) return false;
    }
  }
  if (auto l = by_key_.find("label"); l != by_key_.end()) {
    auto config = store::ImageConfig::Parse(s.images().GetConfig(row.id),
                                            store::layout::ImageContent(s.root(), row.id).string());
    const store::Json& cfg = config.config();
    const store::Json none = store::Json::object();
    const store::Json* labels = &none;
    if (cfg.is_object()) {
      if (auto it = cfg.find("Labels"); it != cfg.end() && it->is_object()) labels = &*it;
    }
    for (const std::string& want : l->second) {
      const size_t eq = want.find('=');
      auto it = labels->find(want.substr(0, eq));
      if (it == labels->end()) return false;
      if (eq != std::string::npos && *it != want.substr(eq + 1)) return false;
    }
  }
  return true;
}

}  // namespace ubuild::cli
