// COPY and ADD: files from the context (or another stage or image, with
// --from) written into a fresh upperdir on the stage's layers.
#include "builder/copy/copy_step.h"
#include "builder/copy/source_hash.h"
#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/dispatch/layer_step.h"
#include "builder/rootfs/overlay_mount.h"
#include "builder/dispatch/step_commit.h"
#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

// --from names an earlier stage (by name or index) or any image in the store.
std::optional<store::Digest> FromChain(BuildContext& ctx, const parser::LocatedInstruction& in,
                                       const std::string& from) {
  const std::string key = AsciiLower(from);
  if (auto it = ctx.stages_by_name.find(key); it != ctx.stages_by_name.end()) return store::TopChainId(it->second.config);
  store::Store::Scope adding = ctx.store.Adding();  // resolved and pinned as one
  std::optional<store::Digest> id;
  try {
    id = ctx.store.Resolve(from);
  } catch (const Error& e) {
    throw StepError(ctx, in, std::string("COPY --from=") + from + ": " + e.what());
  }
  if (!id) {
    throw StepError(ctx, in, "COPY --from=" + from +
                                 ": no stage or image of that name (stages must come before their use; "
                                 "get an image with 'ubuild load' or 'ubuild import')");
  }
  ctx.store.Pin(*id);
  return store::TopChainId(store::ImageConfig::Parse(ctx.store.images().GetConfig(*id), id->str()));
}

void CopyFrom(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in, CopySpec& spec,
              const std::string& name) {
  std::string hash;
  try {
    hash = SourceHash(spec, spec.from_image ? nullptr : &ctx.context_digest_cache);
  } catch (const Error& e) {
    if (!e.where().empty()) throw;
    throw StepError(ctx, in, e.what());
  }
  std::string flags;
  if (!spec.chown.empty()) flags += "--chown=" + spec.chown;
  if (!spec.chmod.empty()) flags += (flags.empty() ? "" : " ") + std::string("--chmod=") + spec.chmod;
  std::string created_by = NopCreatedByOneSpace(st.Shell(), name + " " + flags + hash + " in " + spec.dest + " ");
  store::Digest key = StepCacheKey(st.image, created_by);
  if (ProbeCache(ctx, key, st.image)) return;
  std::optional<store::Layer> layer = MakeLayer(ctx, st.image.top_chain, [&](const std::filesystem::path& rootfs) {
    ProgressTask copying(&ctx.log, "copying files");
    spec.bytes = &copying.bytes();
    try {
      ExecuteCopy(spec, rootfs, OverlayMount::UpperDirOf(rootfs));
    } catch (const Error& e) {
      if (!e.where().empty()) throw;
      throw StepError(ctx, in, e.what());
    }
  });
  CommitStep(ctx, st.image, st.image.config, key, created_by, layer);
}

}  // namespace

void DispatchCopy(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                  const parser::CopyInstr& copy) {
  CopySpec spec;
  spec.is_add = copy.is_add;
  spec.sources = copy.sources;
  spec.dest = copy.dest;
  spec.workdir = st.image.config.config().value("WorkingDir", "");
  if (spec.workdir.empty()) spec.workdir = "/";
  spec.chown = copy.chown;
  spec.chmod = copy.chmod;
  for (const parser::Heredoc& h : copy.heredocs) spec.heredocs.emplace_back(h.name, h.content);
  const std::string name = copy.is_add ? "ADD" : "COPY";
  if (copy.from.empty()) {
    spec.source_root = ctx.options.context;
    spec.ignore = &ctx.ignore;
    CopyFrom(ctx, st, in, spec, name);
    return;
  }
  if (copy.is_add) throw StepError(ctx, in, "ADD does not support --from; use COPY --from");
  std::optional<store::Digest> chain = FromChain(ctx, in, copy.from);
  spec.from_image = true;
  WithImageRootfs(ctx, chain, [&](const std::filesystem::path& rootfs) {
    spec.source_root = rootfs;
    CopyFrom(ctx, st, in, spec, name);
  });
}

}  // namespace ubuild::builder
