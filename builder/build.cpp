#include "builder/build.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <utility>

#include "builder/base_image_pull.h"
#include "builder/output_file.h"
#include "builder/registry_cache_use.h"
#include "builder/stage_platform.h"
#include "builder/dispatch/build_log.h"
#include "builder/run/interrupt.h"
#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/real_step_runtime.h"
#include "builder/dispatch/remote_step_cache.h"
#include "builder/dispatch/run_mount_spec.h"
#include "builder/dispatch/stage_state.h"
#include "builder/dispatch/step_image.h"
#include "parser/ast.h"
#include "parser/instructions.h"
#include "parser/meta_args.h"
#include "parser/platform_args.h"
#include "store/base/default_path.h"
#include "store/base/error.h"
#include "store/base/nearest_word.h"
#include "store/source_date_epoch.h"
#include "store/base/strings.h"
#include "store/digest.h"
#include "store/registry/build_cache_manifest.h"
#include "store/layout.h"
#include "store/rfc3339.h"

namespace ubuild::builder {

namespace {

std::optional<int64_t> SourceDateEpoch(const BuildOptions& options) {
  auto it = options.build_args.find("SOURCE_DATE_EPOCH");
  return store::SourceDateEpoch(it != options.build_args.end() ? std::optional(it->second) : std::nullopt);
}

// Which stages the target needs: itself, the stages its FROM names, and
// those COPY --from and RUN --mount from= name, transitively. Docker's classic builder builds
// every stage up to the target; skipping unused ones is what BuildKit does.
std::vector<bool> NeededStages(const parser::Dockerfile& df, const std::vector<parser::FromInstr>& froms,
                               size_t target) {
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < df.stages.size(); ++i) {
    by_name[std::to_string(i)] = i;
    if (!froms[i].stage_name.empty()) by_name[froms[i].stage_name] = i;
  }
  std::vector<bool> needed(df.stages.size(), false);
  std::function<void(size_t)> visit = [&](size_t i) {
    if (needed[i]) return;
    needed[i] = true;
    auto dep = [&](const std::string& ref) {
      auto it = by_name.find(AsciiLower(ref));
      if (it != by_name.end() && it->second < i) visit(it->second);
    };
    dep(froms[i].image);
    for (const auto& li : df.stages[i].instructions) {
      if (const auto* c = std::get_if<parser::CopyInstr>(&li.instr); c && !c->from.empty()) dep(c->from);
      if (const auto* r = std::get_if<parser::RunInstr>(&li.instr)) {
        for (const std::string& from : RunMountFroms(r->mounts)) dep(from);
      }
    }
  };
  visit(target);
  return needed;
}

std::string ReadDockerfile(const BuildOptions& options, std::string* name) {
  if (options.dockerfile_from_stdin) {
    *name = "Dockerfile";
    return options.dockerfile_text;
  }
  std::filesystem::path path = options.dockerfile.empty() ? options.context / "Dockerfile" : options.dockerfile;
  *name = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the Dockerfile: no such file or not readable", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// FROM: the base image (scratch, an earlier stage, or an image in the store),
// with Docker's default PATH added when the base has none. `platform` is the
// stage's when one was asked for (FROM --platform or --platform).
void BeginStage(BuildContext& ctx, StageImage& image, const parser::FromInstr& from,
                const std::optional<parser::Platform>& platform, int line) {
  if (AsciiLower(from.image) == "scratch") {
    image.config = store::ImageConfig::Scratch();
    // BuildKit gives scratch the build's target platform, even under FROM
    // --platform (Docker 20.10 writes linux/amd64 for FROM
    // --platform=linux/arm64 scratch built on amd64).
    if (const std::optional<parser::Platform>& target = ctx.options.platform) {
      image.config.os = target->os;
      image.config.architecture = target->architecture;
      image.config.SetOtherString("variant", target->variant);
    }
  } else if (auto it = ctx.stages_by_name.find(AsciiLower(from.image)); it != ctx.stages_by_name.end()) {
    image.config = it->second.config;
    image.id = it->second.image_id;
    image.unstored = it->second.unstored;
    image.stored_parent = it->second.stored_parent;
  } else {
    // Resolved, read and pinned under ROOT/lock: a concurrent rmi or prune
    // either went before (the image is missing) or leaves it alone.
    store::Store::Scope adding = ctx.store.Adding();
    std::optional<store::Digest> id;
    try {
      id = ctx.store.Resolve(from.image);
    } catch (const Error& e) {
      throw Error::At(ctx.dockerfile_name, line, std::string("FROM ") + from.image + ": " + e.what());
    }
    if (!id) {
      throw Error::At(ctx.dockerfile_name, line,
                      "base image \"" + from.image +
                          "\" is not in the store: get it with 'ubuild load -i IMAGE.tar' or "
                          "'ubuild import ROOTFS.tar " + from.image + "'");
    }
    image.config = store::ImageConfig::Parse(ctx.store.images().GetConfig(*id), id->str());
    if (platform) CheckBasePlatform(image.config, from.image, *platform, ctx.dockerfile_name, line);
    image.id = id;
    ctx.store.Pin(*id);
  }
  image.top_chain = store::TopChainId(image.config);
  // A stage left unstored has its layers in the --cache-from cache.
  if (image.top_chain && image.unstored.empty()) {
    if (!ctx.store.layers().Exists(*image.top_chain)) {
      throw Error::At(ctx.dockerfile_name, line, "base image \"" + from.image + "\" is missing layers in the store");
    }
  }
  // The author is what this stage's MAINTAINER sets: Docker starts each
  // stage without one, whatever the base recorded.
  image.config.author.clear();
  // A base's inline build cache describes the base's build, not this one.
  image.config.SetOtherString(store::registry::kInlineBuildCacheKey, "");
  if (!image.config.GetEnv("PATH")) {
    image.config.SetEnv("PATH", kDefaultPath);
  }
  image.config.config()["OpenStdin"] = false;
  image.config.config()["StdinOnce"] = false;
}

void CheckInterrupted() {
  if (int sig = InterruptSignal()) throw Error("build interrupted", "", 128 + sig);
}

// The Dockerfile read and parsed, with each stage's FROM expanded.
struct Source {
  std::string dockerfile_name;
  parser::Dockerfile df;
  std::vector<std::string> meta_env;  // platform args, then the global ARGs, resolved
  std::vector<parser::FromInstr> froms;
  // Each stage's platform (stage_platform.h); nullopt when none was asked
  // for (the host's, with no check of the base).
  std::vector<std::optional<parser::Platform>> platforms;
};

// FROM NAME of a --build-context that no earlier stage is named: the
// context's image instead (a stage's own name wins, as it does for images).
void UseNamedContext(const BuildOptions& options, const std::vector<parser::FromInstr>& earlier,
                     parser::FromInstr& from, const std::string& dockerfile_name, int line) {
  const NamedContext* named = options.NamedContextFor(from.image);
  if (named == nullptr) return;
  const std::string key = AsciiLower(from.image);
  for (size_t i = 0; i < earlier.size(); ++i) {
    if (earlier[i].stage_name == key || std::to_string(i) == key) return;
  }
  if (!named->is_image) {
    throw Error::At(dockerfile_name, line,
                    "FROM " + from.image + ": the build context " + from.image +
                        " is a directory; a directory context can be read by COPY --from only");
  }
  from.image = named->image;
}

Source Read(const BuildOptions& options) {
  Source src;
  std::string text = ReadDockerfile(options, &src.dockerfile_name);
  parser::Ast ast = parser::Parse(text, src.dockerfile_name);
  src.df = parser::ToInstructions(ast);
  if (src.df.stages.empty()) {
    throw Error::At(src.dockerfile_name, 1, "no FROM instruction: a Dockerfile must start with FROM");
  }
  const parser::Platform host = parser::HostPlatform();
  src.meta_env = parser::ResolveMetaArgs(src.df, options.build_args,
                                         parser::PlatformArgs(options.platform.value_or(host), host));
  for (const parser::Stage& stage : src.df.stages) {
    parser::FromInstr from = parser::ExpandFrom(stage, src.meta_env, src.df.escape, src.dockerfile_name);
    UseNamedContext(options, src.froms, from, src.dockerfile_name, stage.line);
    src.platforms.push_back(StagePlatform(options, src.froms, src.platforms, from, src.dockerfile_name, stage.line));
    src.froms.push_back(std::move(from));
  }
  return src;
}

// What to build: the target stage, the stages it needs, the --label steps
// appended to it, and the step count the log shows.
struct Plan {
  size_t target = 0;
  std::vector<bool> needed;
  std::vector<parser::LocatedInstruction> trailer;
  int total_steps = 0;
};

Plan MakePlan(const BuildOptions& options, const Source& src) {
  const parser::Dockerfile& df = src.df;
  Plan plan;
  plan.target = df.stages.size() - 1;
  if (!options.target.empty()) {
    auto it = std::find_if(src.froms.begin(), src.froms.end(),
                           [&](const parser::FromInstr& f) { return f.stage_name == AsciiLower(options.target); });
    if (it == src.froms.end()) {
      // docker's message, then what the user can name instead.
      std::vector<std::string> stages;
      for (const parser::FromInstr& f : src.froms) {
        if (!f.stage_name.empty()) stages.push_back(f.stage_name);
      }
      std::string what = "failed to reach build target " + options.target + " in Dockerfile";
      if (stages.empty()) throw Error(what + ": it names no stage (FROM IMAGE AS NAME)");
      std::vector<std::string> nearest = NearestWords(options.target, stages);
      std::string list;
      for (const std::string& name : stages) list += (list.empty() ? "" : ", ") + name;
      throw Error(what + ": its stages are " + list + (nearest.empty() ? "" : " (did you mean " + nearest[0] + "?)"));
    }
    plan.target = static_cast<size_t>(it - src.froms.begin());
  }
  plan.needed = NeededStages(df, src.froms, plan.target);

  // --label: one LABEL step per label, in key order, at the end of the
  // target stage, as Docker's buildLabelOptions adds them.
  for (const auto& [k, v] : options.labels) {
    parser::LocatedInstruction li;
    li.instr = parser::LabelInstr{{{k, v}}};
    li.keyword = "LABEL";
    li.line = df.stages[plan.target].line;
    li.original = "LABEL " + k + "=" + v;
    plan.trailer.push_back(li);
  }

  for (size_t i = 0; i <= plan.target; ++i) {
    if (plan.needed[i]) plan.total_steps += 1 + static_cast<int>(df.stages[i].instructions.size());
  }
  plan.total_steps += static_cast<int>(plan.trailer.size());
  return plan;
}

// One step; with --cache-to, what it ended on is kept for the export.
void DispatchStep(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& li, RegistryCacheUse& cache,
                  size_t stage) {
  ctx.step_key.reset();
  ctx.step_alias_key.reset();
  ctx.step_linked_key.reset();
  const size_t layers_before = std::as_const(st.image.config).diff_ids().size();
  Dispatch(ctx, st, li);
  cache.Record(ctx, st.image, stage, layers_before);
}

// ONBUILD triggers of the base run first, then leave the config. Errors
// are located at the FROM line.
void RunTriggers(BuildContext& ctx, StageState& st, int from_line, RegistryCacheUse& cache, size_t stage) {
  std::vector<std::string> triggers = st.image.config.StringList("OnBuild");
  if (triggers.empty()) return;
  ctx.log.Line("# Executing " + std::to_string(triggers.size()) + " build trigger" + (triggers.size() > 1 ? "s" : ""));
  st.image.config.config()["OnBuild"] = nullptr;
  for (const std::string& t : triggers) {
    parser::LocatedInstruction li = parser::ParseSingleInstruction(t, ctx.dockerfile_name, from_line);
    CheckInterrupted();
    DispatchStep(ctx, st, li, cache, stage);
  }
}

// FROM, the base's ONBUILD triggers, the stage's instructions (and the
// trailer for the target); `step` counts the log's steps across stages.
StageResult RunStage(BuildContext& ctx, const Source& src, const Plan& plan, size_t i, const BuildArgs& base_args,
                     int& step, RegistryCacheUse& cache) {
  const parser::Stage& stage = src.df.stages[i];
  StageState st(base_args);
  st.args.ResetStage();
  if (src.platforms[i]) st.platform = *src.platforms[i];
  ctx.log.Step(++step, plan.total_steps, stage.original.empty() ? "FROM " + src.froms[i].image : stage.original);
  BeginStage(ctx, st.image, src.froms[i], src.platforms[i], stage.line);
  if (st.image.id) {
    ctx.log.StepDone(st.image.id->str());
  } else {
    ctx.log.Line(" ---> scratch");
  }

  // As the layers_away test below: only then is a hit's layer sure to be fetched.
  ctx.stage_lands = i == plan.target && !(ctx.options.push && !ctx.options.result_in_store);
  RunTriggers(ctx, st, stage.line, cache, i);
  for (const parser::LocatedInstruction& li : stage.instructions) {
    CheckInterrupted();
    ctx.log.Step(++step, plan.total_steps, li.original);
    DispatchStep(ctx, st, li, cache, i);
  }
  if (i == plan.target) {
    for (const auto& li : plan.trailer) {
      ctx.log.Step(++step, plan.total_steps, li.original);
      // Docker takes --label values literally: no variable expansion.
      ctx.step_key.reset();
      ctx.step_alias_key.reset();
  ctx.step_linked_key.reset();
      DispatchConfig(ctx, st, li);
      cache.Record(ctx, st.image, i, std::as_const(st.image.config).diff_ids().size());
    }
  }
  // A stage whose layers --cache-from hits left in the cache stays unstored
  // when nothing needs it in the store: a stage below the target (a later
  // step that misses fetches what it needs), or the target when --push may
  // mount its layers from the cache (unless -o reads it from the store).
  // Otherwise they come in now.
  const bool layers_away =
      ctx.remote_cache && st.image.top_chain && !ctx.store.layers().Exists(*st.image.top_chain);
  if (layers_away && (i != plan.target || (ctx.options.push && !ctx.options.result_in_store))) {
    return StageResult{st.image.id, st.image.config, st.image.unstored, st.image.stored_parent};
  }
  if (layers_away) ctx.remote_cache->Materialize(st.image.top_chain);
  StoreStageImage(ctx, st.image);
  return StageResult{st.image.id, st.image.config, {}, {}};
}

// The target's image: warnings, "Successfully built", tags, --iidfile.
store::Digest Finish(const BuildOptions& options, store::Store& store, ProgressSink& log, const Source& src,
                     const Plan& plan, const BuildArgs& base_args, const StageResult& result, bool pushed_from_cache) {
  if (!result.image_id) {
    // FROM scratch with nothing after it: Docker refuses too.
    throw Error::At(src.dockerfile_name, src.df.stages[plan.target].line,
                    "no image was generated: the stage has no instructions");
  }
  // SOURCE_DATE_EPOCH is ubuild's own knob, not a Dockerfile ARG.
  std::vector<std::string> unused;
  for (const std::string& name : base_args.Unused()) {
    if (name != "SOURCE_DATE_EPOCH") unused.push_back(name);
  }
  if (!unused.empty()) {
    std::string list;
    for (const auto& n : unused) list += (list.empty() ? "" : " ") + n;
    log.Line("[Warning] One or more build-args [" + list + "] were not consumed");
  }
  store::Digest id = *result.image_id;
  log.ImageBuilt(id.str());
  if (pushed_from_cache) {
    // Not in the store, so not tagged there: the registry has it.
    log.Line("Pushed from the build cache, not stored here: its layers stayed in the registry");
  } else if (!options.tags.empty()) {
    store::Store::Scope tagging = store.Tagging();
    for (const std::string& tag : options.tags) {
      store.refs().Tag(tag, id);
      store.images().SetMetadata(id, "lastUpdated", store::NowRfc3339Nano());  // docker's Metadata.LastTagTime
      log.ImageTagged(store::NormalizeReference(tag));
    }
  }
  // Absolute: the atomic write syncs the file's directory, which a bare name lacks.
  if (!options.iidfile.empty()) WriteOutputFile(options.iidfile, id.str());
  log.BuildFinished(id.str());
  return id;
}

}  // namespace

store::Digest Build(const BuildOptions& options, store::Store& store, std::ostream& out) {
  RealStepRuntime runtime;
  return Build(options, store, runtime, out);
}

store::Digest Build(const BuildOptions& options, store::Store& store, StepRuntime& runtime, std::ostream& out) {
  BuildLog log(out, options.progress == Progress::kQuiet);
  return Build(options, store, runtime, log);
}

store::Digest Build(const BuildOptions& options, store::Store& store, ProgressSink& progress) {
  RealStepRuntime runtime;
  return Build(options, store, runtime, progress);
}

store::Digest Build(const BuildOptions& options, store::Store& store, StepRuntime& runtime, ProgressSink& log) {
  InstallInterruptHandlers();
  const Source src = Read(options);
  if (!src.df.syntax.empty()) log.Line("syntax " + src.df.syntax + ": built by ubuild's own Dockerfile frontend");
  BuildContext ctx{options, store, store::BuildCache(store.root(), store.images()), log, runtime,
                   src.dockerfile_name, src.df.escape, options.context_tar_sums ? DockerIgnore() : DockerIgnore::Load(options.context),
                   store::layout::ContextDigestCacheDir(store.root()), SourceDateEpoch(options), {}, {}, nullptr, std::nullopt, std::nullopt, std::nullopt, {}, {}};
  const Plan plan = MakePlan(options, src);
  PullBaseImages(options, store, src.df, src.froms, src.platforms, plan.needed, src.dockerfile_name,
                 [&](const std::string& line) { log.Line(line); }, &log);

  BuildArgs base_args(options.build_args);
  const parser::Platform host = parser::HostPlatform();
  for (const std::string& kv : parser::PlatformArgs(host, host)) {
    const std::string name = kv.substr(0, kv.find('='));
    base_args.AddPredefinedArg(name, parser::MetaArgValue(src.meta_env, name));
  }
  for (const auto& meta : src.df.meta_args) {
    for (const auto& a : meta.args) base_args.AddMetaArg(a.name, parser::MetaArgValue(src.meta_env, a.name));
  }
  RegistryCacheUse cache(options, store, [&](const std::string& line) { log.Line(line); });
  ctx.remote_cache = cache.remote();

  const std::set<size_t> image_stages = ImageStages(src.froms, plan.target);
  const parser::ExpansionBudget budget = ctx.expansion_budget;
  StageResult result;
  bool pushed = false;
  // A --cache-from blob gone between resolution and its download: the cache
  // has dropped it, and the build starts over, the steps that needed it
  // missing. Each start drops a blob, so the starts end.
  for (bool built = false; !built;) {
    try {
      int step = 0;
      try {
        for (size_t i = 0; i <= plan.target; ++i) {
          if (!plan.needed[i]) continue;
          result = RunStage(ctx, src, plan, i, base_args, step, cache);
          ctx.stages_by_name[std::to_string(i)] = result;
          if (!src.froms[i].stage_name.empty()) ctx.stages_by_name[src.froms[i].stage_name] = result;
        }
      } catch (const CacheLayerLost&) {
        throw;
      } catch (const Error& e) {
        log.StepFailed(e.message());
        throw;
      }
      cache.AddInlineCache(ctx, image_stages, result);
      // A target left unstored (rather than stored) is one --push may send from the cache.
      pushed = !result.unstored.empty() && cache.PushOrStore(ctx, result);
      built = true;
    } catch (const CacheLayerLost& e) {
      log.Line("[Warning] " + e.message() + ": the build starts over without it");
      ctx.stages_by_name.clear();
      ctx.expansion_budget = budget;
      cache.StartOver();
    }
  }
  store::Digest id = Finish(options, store, log, src, plan, base_args, result, pushed);
  cache.Export(store, image_stages);
  return id;
}

}  // namespace ubuild::builder
