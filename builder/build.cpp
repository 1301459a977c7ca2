#include "builder/build.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

#include "builder/dispatch/build_log.h"
#include "builder/run/interrupt.h"
#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/stage_state.h"
#include "parser/ast.h"
#include "parser/instructions.h"
#include "parser/meta_args.h"
#include "store/atomic_file.h"
#include "store/base/default_path.h"
#include "store/base/error.h"
#include "store/base/strings.h"
#include "store/digest.h"
#include "store/layout.h"

namespace ubuild::builder {

namespace {

std::optional<int64_t> SourceDateEpoch(const BuildOptions& options) {
  std::string value;
  if (auto it = options.build_args.find("SOURCE_DATE_EPOCH"); it != options.build_args.end()) {
    value = it->second;
  } else if (const char* env = std::getenv("SOURCE_DATE_EPOCH"); env != nullptr) {
    value = env;
  }
  if (value.empty()) return std::nullopt;
  if (!std::all_of(value.begin(), value.end(), ::isdigit) || value.size() > 18) {
    throw Error("SOURCE_DATE_EPOCH must be a number of seconds, got \"" + value + "\"");
  }
  return std::stoll(value);
}

// Which stages the target needs: itself, the stages its FROM names, and
// those COPY --from names, transitively. Docker's classic builder builds
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
// with Docker's default PATH added when the base has none.
void BeginStage(BuildContext& ctx, StageState& st, const parser::FromInstr& from, int line) {
  if (!from.platform.empty() && AsciiLower(from.platform) != "linux/amd64" && AsciiLower(from.platform) != "linux") {
    throw Error::At(ctx.dockerfile_name, line,
                    "FROM --platform=" + from.platform + ": ubuild builds for this host only (linux/amd64)");
  }
  if (AsciiLower(from.image) == "scratch") {
    st.config = store::ImageConfig::Scratch();
  } else if (auto it = ctx.stages_by_name.find(AsciiLower(from.image)); it != ctx.stages_by_name.end()) {
    st.config = it->second.config;
    st.image_id = it->second.image_id;
  } else {
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
    st.config = store::ImageConfig::Parse(ctx.store.images().GetConfig(*id), id->str());
    st.image_id = id;
  }
  st.top_chain = store::TopChainId(st.config);
  if (st.top_chain) {
    if (!ctx.store.layers().Exists(*st.top_chain)) {
      throw Error::At(ctx.dockerfile_name, line, "base image \"" + from.image + "\" is missing layers in the store");
    }
  }
  if (!st.config.GetEnv("PATH")) {
    st.config.SetEnv("PATH", kDefaultPath);
  }
  st.config.config()["OpenStdin"] = false;
  st.config.config()["StdinOnce"] = false;
}

void CheckInterrupted() {
  if (int sig = InterruptSignal()) throw Error("build interrupted", "", 128 + sig);
}

}  // namespace

store::Digest Build(const BuildOptions& options, store::Store& store, std::ostream& out) {
  InstallInterruptHandlers();
  BuildLog log(out, options.progress == Progress::kQuiet);
  std::string dockerfile_name;
  std::string text = ReadDockerfile(options, &dockerfile_name);
  parser::Ast ast = parser::Parse(text, dockerfile_name);
  parser::Dockerfile df = parser::ToInstructions(ast);
  if (df.stages.empty()) throw Error::At(dockerfile_name, 1, "no FROM instruction: a Dockerfile must start with FROM");

  BuildContext ctx{options, store, store::BuildCache(store.root(), store.images()), log, dockerfile_name, df.escape,
                   DockerIgnore::Load(options.context), store::layout::ContextDigestCacheDir(store.root()),
                   SourceDateEpoch(options), {}};

  std::vector<std::string> meta_env = parser::ResolveMetaArgs(df, options.build_args);
  std::vector<parser::FromInstr> froms;
  for (const parser::Stage& stage : df.stages) {
    froms.push_back(parser::ExpandFrom(stage, meta_env, df.escape, dockerfile_name));
  }
  size_t target = df.stages.size() - 1;
  if (!options.target.empty()) {
    auto it = std::find_if(froms.begin(), froms.end(),
                           [&](const parser::FromInstr& f) { return f.stage_name == AsciiLower(options.target); });
    if (it == froms.end()) throw Error("failed to reach build target " + options.target + " in Dockerfile");
    target = static_cast<size_t>(it - froms.begin());
  }
  std::vector<bool> needed = NeededStages(df, froms, target);

  // --label: a LABEL step at the end of the target stage, as docker build adds one.
  std::vector<parser::LocatedInstruction> trailer;
  if (!options.labels.empty()) {
    parser::LabelInstr label;
    for (const auto& [k, v] : options.labels) label.labels.push_back({k, v});
    parser::LocatedInstruction li;
    li.instr = label;
    li.keyword = "LABEL";
    li.line = df.stages[target].line;
    li.original = "LABEL (from --label)";
    trailer.push_back(li);
  }

  int total = 0;
  for (size_t i = 0; i <= target; ++i) {
    if (needed[i]) total += 1 + static_cast<int>(df.stages[i].instructions.size());
  }
  total += static_cast<int>(trailer.size());

  BuildArgs base_args(options.build_args);
  for (const auto& meta : df.meta_args) {
    for (const auto& a : meta.args) base_args.AddMetaArg(a.name, a.default_value);
  }

  int step = 0;
  StageResult result;
  for (size_t i = 0; i <= target; ++i) {
    if (!needed[i]) continue;
    const parser::Stage& stage = df.stages[i];
    StageState st(base_args);
    st.args.ResetStage();
    log.Step(++step, total, stage.original.empty() ? "FROM " + froms[i].image : stage.original);
    BeginStage(ctx, st, froms[i], stage.line);
    if (st.image_id) {
      log.StepDone(st.image_id->str());
    } else {
      log.Line(" ---> scratch");
    }

    // ONBUILD triggers of the base run first, then leave the config.
    std::vector<std::string> triggers = st.config.StringList("OnBuild");
    if (!triggers.empty()) {
      log.Line("# Executing " + std::to_string(triggers.size()) + " build trigger" +
               (triggers.size() > 1 ? "s" : ""));
      st.config.config()["OnBuild"] = nullptr;
      for (const std::string& t : triggers) {
        parser::LocatedInstruction li = parser::ParseSingleInstruction(t, dockerfile_name, stage.line);
        CheckInterrupted();
        Dispatch(ctx, st, li);
      }
    }

    for (const parser::LocatedInstruction& li : stage.instructions) {
      CheckInterrupted();
      log.Step(++step, total, li.original);
      Dispatch(ctx, st, li);
    }
    if (i == target) {
      for (const auto& li : trailer) {
        log.Step(++step, total, li.original);
        Dispatch(ctx, st, li);
      }
    }
    result.config = st.config;
    result.image_id = st.image_id;
    ctx.stages_by_name[std::to_string(i)] = result;
    if (!froms[i].stage_name.empty()) ctx.stages_by_name[froms[i].stage_name] = result;
  }

  if (!result.image_id) {
    // FROM scratch with nothing after it: Docker refuses too.
    throw Error::At(dockerfile_name, df.stages[target].line, "no image was generated: the stage has no instructions");
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
  if (!log.quiet()) out << "Successfully built " << store::ShortId(id.str()) << "\n";
  for (const std::string& tag : options.tags) {
    store.refs().Tag(tag, id);
    if (!log.quiet()) out << "Successfully tagged " << store::NormalizeReference(tag) << "\n";
  }
  if (!options.iidfile.empty()) store::WriteFileAtomic(options.iidfile, id.str());
  if (log.quiet()) out << id.str() << "\n";
  return id;
}

}  // namespace ubuild::builder
