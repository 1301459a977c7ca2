#include "builder/registry_cache_use.h"

#include <algorithm>
#include <utility>

#include "builder/dispatch/step_image.h"
#include "builder/registry_cache_push.h"
#include "store/base/strings.h"
#include "store/image_config.h"
#include "store/registry/build_cache_manifest.h"

namespace ubuild::builder {

RegistryCacheUse::RegistryCacheUse(const BuildOptions& options, store::Store& store,
                                   std::function<void(const std::string&)> say)
    : store_(store), say_(std::move(say)) {
  std::vector<CacheLocation> from;
  for (const std::string& v : options.cache_from) from.push_back(ParseCacheFrom(v));
  for (const std::string& v : options.cache_to) to_.push_back(ParseCacheTo(v));
  if (!from.empty() && !options.no_cache) imported_.emplace(store, from, say_);
  if (!to_.empty()) exporter_.emplace();
}

void RegistryCacheUse::Record(const BuildContext& ctx, const StageImage& image, size_t stage, size_t layers_before) {
  if (!exporter_ || !image.id) return;
  const bool made_layer = image.config.diff_ids().size() > layers_before;
  if (ctx.step_key) {
    exporter_->Record(stage, *ctx.step_key, image.config, *image.id, made_layer, ctx.step_alias_key.has_value());
  }
  if (ctx.step_alias_key) exporter_->Record(stage, *ctx.step_alias_key, image.config, *image.id, made_layer);
  // Under this key the entry names the layer alone (another base's builder
  // restacks it), so it is worth keeping only when the step made one.
  if (ctx.step_linked_key && made_layer) {
    exporter_->Record(stage, *ctx.step_linked_key, image.config, *image.id, made_layer, false, true);
  }
}

bool RegistryCacheUse::PushOrStore(BuildContext& ctx, const StageResult& result) {
  const std::string config = imported_->ConfigBytes(*result.image_id, result.config);
  if (PushFromCache(store_, *imported_, config, ctx.options.tags, say_)) return true;
  StageImage image{result.config, result.image_id, store::TopChainId(result.config), result.unstored,
                   result.stored_parent};
  imported_->Materialize(image.top_chain);
  StoreStageImage(ctx, image);
  return false;
}

void RegistryCacheUse::AddInlineCache(BuildContext& ctx, const std::set<size_t>& image_stages, StageResult& result) {
  const bool wanted = std::any_of(to_.begin(), to_.end(),
                                  [](const CacheLocation& to) { return to.kind == CacheLocation::Kind::kInline; });
  if (!wanted || !result.image_id) return;
  StageImage image{result.config, std::nullopt, store::TopChainId(result.config), result.unstored,
                   result.unstored.empty() ? result.image_id : result.stored_parent};
  image.config.SetOtherString(store::registry::kInlineBuildCacheKey, exporter_->InlineSteps(image_stages, result.config));
  image.id = image.config.Id();
  image.unstored.push_back(*image.id);
  if (result.unstored.empty()) {
    StoreStageImage(ctx, image);
    result = StageResult{image.id, image.config, {}, {}};
  } else {
    result = StageResult{image.id, image.config, image.unstored, image.stored_parent};
  }
}

void RegistryCacheUse::Export(store::Store& store, const std::set<size_t>& image_stages) {
  for (const CacheLocation& to : to_) {
    if (to.kind == CacheLocation::Kind::kInline) continue;
    exporter_->Export(store, to, image_stages, imported_ ? &*imported_ : nullptr, say_);
  }
}

std::set<size_t> ImageStages(const std::vector<parser::FromInstr>& froms, size_t target) {
  std::set<size_t> stages;
  for (size_t i = target;;) {
    stages.insert(i);
    size_t below = i;
    for (size_t j = 0; j < i; ++j) {
      if (std::to_string(j) == froms[i].image ||
          (!froms[j].stage_name.empty() && froms[j].stage_name == AsciiLower(froms[i].image))) {
        below = j;
      }
    }
    if (below == i) return stages;
    i = below;
  }
}

}  // namespace ubuild::builder
