#pragma once
// The steps of the --cache-from caches (key -> the config of the step's
// image), each config parsed once, when its cache is resolved, and indexed
// by the image the step stands on: a COPY's likely hit (the prefetch's
// guess) is one map lookup, and dropping the steps whose image has a lost
// layer reads no JSON.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store/digest.h"
#include "store/image_config.h"

namespace ubuild::builder {

class CacheSteps {
 public:
  // One step as read from its cache.
  struct Step {
    std::string config;                     // the bytes a hit hands back
    std::vector<store::Digest> diff_ids;    // of the step's image
    size_t history = 0;                     // entries in its history
    std::optional<std::string> created_by;  // the last entry's; nullopt: damaged beyond its diff_ids (never likely)
  };
  // Reads a step's config (`what` names it in errors). Throws unless its
  // diff_ids are digests: a cache with such a step is not used.
  static Step Read(std::string config, const std::string& what);

  // Keeps `step` under `key`, unless a cache read before has that key.
  void Add(const store::Digest& key, Step step);
  const Step* Find(const store::Digest& key) const;
  // Drops every step whose image has layer `diff_id`.
  void DropWithLayer(const store::Digest& diff_id);

  // The layer of the one step whose image is `parent` plus one layer and
  // one history entry reading `head`, one word (a source hash), `tail`.
  // nullopt when there is none, or two with different layers (two versions
  // of the sources: no likely one).
  std::optional<store::Digest> LikelyLayer(const store::ImageConfig& parent, const std::string& head,
                                           const std::string& tail) const;

 private:
  // What a step stands on, as far as a key of constant size tells: the
  // top of its layers but the last (nullopt: none), their number, and its
  // history entries but the last. The layers below are compared whole
  // only for the few steps a lookup finds.
  using Parent = std::tuple<std::optional<store::Digest>, size_t, size_t>;
  static std::optional<Parent> ParentOf(const Step& step);

  std::map<store::Digest, Step> steps_;
  std::map<Parent, std::set<store::Digest>> by_parent_;  // keys of the steps that add a layer and an entry to it
};

}  // namespace ubuild::builder
