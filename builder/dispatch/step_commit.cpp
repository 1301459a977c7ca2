#include "builder/dispatch/step_commit.h"

#include "store/base/error.h"
#include "store/source_date_epoch.h"

namespace ubuild::builder {

std::vector<std::string> StageState::Shell() const {
  std::vector<std::string> shell = config.StringList("Shell");
  if (shell.empty()) shell = {"/bin/sh", "-c"};
  return shell;
}

std::vector<std::string> StageState::ExpansionEnv() const {
  std::vector<std::string> env = config.Env();
  std::vector<std::string> args = this->args.Allowed(env);
  env.insert(env.end(), args.begin(), args.end());
  return env;
}

store::Digest StepCacheKey(const StageState& st, const std::string& created_by) {
  store::Json key = store::Json::object();
  key["parent"] = st.image_id ? st.image_id->str() : "";
  key["config"] = st.config.config();
  key["author"] = st.config.author;
  key["created_by"] = created_by;
  return store::Sha256Of(key.dump(-1, ' ', false, store::Json::error_handler_t::replace));
}

std::string StepCreated(const BuildContext& ctx) {
  return store::CreatedAt(ctx.source_date_epoch);
}

namespace {

void MoveTo(BuildContext& ctx, StageState& st, const store::Digest& id) {
  st.config = store::ImageConfig::Parse(ctx.store.images().GetConfig(id), id.str());
  st.image_id = id;
  st.top_chain = store::TopChainId(st.config);
}

}  // namespace

bool ProbeCache(BuildContext& ctx, StageState& st, const store::Digest& key) {
  if (ctx.options.no_cache) return false;
  std::optional<store::Digest> hit = ctx.cache.Lookup(key);
  if (!hit) return false;
  // A cached image must still have all its layers; otherwise rebuild the step.
  try {
    BuildArgs keep = st.args;
    bool cmd_set = st.cmd_set;
    MoveTo(ctx, st, *hit);
    if (st.top_chain && !ctx.store.layers().Exists(*st.top_chain)) return false;
    st.args = keep;
    st.cmd_set = cmd_set;
  } catch (const Error&) {
    return false;
  }
  ctx.log.UsingCache();
  ctx.log.StepDone(hit->str());
  return true;
}

void CommitStep(BuildContext& ctx, StageState& st, const store::Digest& key, const std::string& created_by,
                const std::optional<store::Layer>& layer) {
  store::ImageConfig next = st.config;
  std::string created = StepCreated(ctx);
  store::HistoryEntry h;
  h.created = created;
  h.created_by = created_by;
  // Docker stamps every entry after MAINTAINER with the author.
  h.author = next.author;
  h.empty_layer = !layer.has_value();
  next.history().push_back(h);
  next.created = created;
  // The container config records which image a step ran on, as Docker's does.
  next.config()["Image"] = st.image_id ? st.image_id->str() : "";
  if (layer) next.diff_ids().push_back(layer->diff_id);
  store::Digest id = ctx.store.images().Put(next.Serialize(), st.image_id);
  ctx.cache.Record(key, id);
  st.config = std::move(next);
  st.image_id = id;
  if (layer) st.top_chain = layer->chain_id;
  ctx.log.StepDone(id.str());
}

}  // namespace ubuild::builder

