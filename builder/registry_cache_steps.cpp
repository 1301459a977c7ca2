#include "builder/registry_cache_steps.h"

#include <algorithm>

#include "store/base/error.h"

namespace ubuild::builder {

CacheSteps::Step CacheSteps::Read(std::string config, const std::string& what) {
  Step step;
  try {
    const store::ImageConfig parsed = store::ImageConfig::Parse(config, what);
    step.diff_ids = parsed.diff_ids();
    step.history = parsed.history().size();
    if (!parsed.history().empty()) step.created_by = parsed.history().back().created_by;
  } catch (const Error&) {
    // Not a config this build could take as a whole, but its layers still
    // say which steps a lost blob drops.
    step.diff_ids = store::ParseDiffIds(config, what);
  }
  step.config = std::move(config);
  return step;
}

std::optional<CacheSteps::Parent> CacheSteps::ParentOf(const Step& step) {
  // A step with no entry text cannot be a COPY's likely hit.
  if (!step.created_by || step.diff_ids.empty() || step.history == 0) return std::nullopt;
  const size_t below = step.diff_ids.size() - 1;
  return Parent{below == 0 ? std::nullopt : std::optional(step.diff_ids[below - 1]), below, step.history - 1};
}

void CacheSteps::Add(const store::Digest& key, Step step) {
  auto [at, added] = steps_.emplace(key, std::move(step));
  if (!added) return;
  if (std::optional<Parent> parent = ParentOf(at->second)) by_parent_[*parent].insert(key);
}

const CacheSteps::Step* CacheSteps::Find(const store::Digest& key) const {
  auto it = steps_.find(key);
  return it == steps_.end() ? nullptr : &it->second;
}

void CacheSteps::DropWithLayer(const store::Digest& diff_id) {
  for (auto it = steps_.begin(); it != steps_.end();) {
    const std::vector<store::Digest>& d = it->second.diff_ids;
    if (std::find(d.begin(), d.end(), diff_id) == d.end()) {
      ++it;
      continue;
    }
    if (std::optional<Parent> parent = ParentOf(it->second)) {
      auto on = by_parent_.find(*parent);
      on->second.erase(it->first);
      if (on->second.empty()) by_parent_.erase(on);
    }
    it = steps_.erase(it);
  }
}

std::optional<store::Digest> CacheSteps::LikelyLayer(const store::ImageConfig& parent, const std::string& head,
                                                     const std::string& tail) const {
  const std::vector<store::Digest>& below = parent.diff_ids();
  auto on = by_parent_.find(
      {below.empty() ? std::nullopt : std::optional(below.back()), below.size(), parent.history().size()});
  if (on == by_parent_.end()) return std::nullopt;
  std::optional<store::Digest> likely;
  for (const store::Digest& key : on->second) {
    const Step& step = steps_.at(key);
    if (!std::equal(below.begin(), below.end(), step.diff_ids.begin())) continue;
    const std::string& text = *step.created_by;
    if (text.size() <= head.size() + tail.size() || text.compare(0, head.size(), head) != 0 ||
        text.compare(text.size() - tail.size(), tail.size(), tail) != 0 ||
        text.find(' ', head.size()) < text.size() - tail.size()) {
      continue;
    }
    if (likely && *likely != step.diff_ids.back()) return std::nullopt;
    likely = step.diff_ids.back();
  }
  return likely;
}

}  // namespace ubuild::builder
