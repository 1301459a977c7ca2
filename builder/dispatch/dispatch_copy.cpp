// COPY and ADD: files from the context (or another stage or image, with
// --from; or, for ADD, a URL or git repository fetched first) written into a
// fresh upperdir on the stage's layers (on an empty rootfs with --link,
// whose layer a later build on another base reuses: see LinkedLayerKey).
#include "builder/copy/copy_step.h"
#include "builder/copy/fetch_dir.h"
#include "builder/copy/git_source.h"
#include "builder/copy/source_hash.h"
#include "builder/copy/url_source.h"
#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/dispatch/layer_step.h"
#include "builder/rootfs/overlay_mount.h"
#include "builder/rootfs/user_lookup.h"
#include "builder/dispatch/step_commit.h"
#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

// --from names an earlier stage (by name or index) or any image in the store.
std::optional<store::Digest> FromChain(BuildContext& ctx, const parser::LocatedInstruction& in,
                                       const std::string& from, std::optional<store::Digest>* image_id) {
  const std::string key = AsciiLower(from);
  if (auto it = ctx.stages_by_name.find(key); it != ctx.stages_by_name.end()) {
    *image_id = it->second.image_id;
    return store::TopChainId(it->second.config);
  }
  // --build-context NAME=docker-image://REF
  const NamedContext* named = ctx.options.NamedContextFor(from);
  const std::string image = named ? named->image : from;
  store::Store::Scope adding = ctx.store.Adding();  // resolved and pinned as one
  std::optional<store::Digest> id;
  try {
    id = ctx.store.Resolve(image);
  } catch (const Error& e) {
    throw StepError(ctx, in, std::string("COPY --from=") + from + ": " + e.what());
  }
  if (!id) {
    throw StepError(ctx, in, "COPY --from=" + from +
                                 ": no stage or image of that name (stages must come before their use; "
                                 "get an image with 'ubuild load' or 'ubuild import')");
  }
  ctx.store.Pin(*id);
  *image_id = id;
  return store::TopChainId(store::ImageConfig::Parse(ctx.store.images().GetConfig(*id), id->str()));
}

// The flags only BuildKit has, as history text: "--keep-git-dir " ...
std::string BuildkitFlags(const parser::CopyInstr& copy) {
  std::string out;
  if (copy.keep_git_dir) out += "--keep-git-dir ";
  if (copy.parents) out += "--parents ";
  for (const std::string& pattern : copy.excludes) out += "--exclude=" + pattern + " ";
  if (copy.link) out += "--link ";
  return out;
}

// COPY --link --chown with a user or group name: the linked copy's empty
// rootfs has no /etc/passwd, so the name is looked up in the stage's rootfs
// (the layers the layer goes on), and the ids it gives ("uid:gid") are what
// the copy uses and part of the linked key: a base where the name means
// other ids misses. "" when the owner is numeric, with nothing to look up.
bool NamedOwner(const std::string& chown) { return chown.find_first_not_of("0123456789:") != std::string::npos; }
std::string LinkedOwner(BuildContext& ctx, const StageState& st, const parser::LocatedInstruction& in,
                        const std::string& chown) {
  if (!NamedOwner(chown)) return "";
  const std::string who = chown.find(':') == std::string::npos ? chown + ":" + chown : chown;
  ResolvedUser user;
  WithImageRootfs(ctx, st.image.top_chain, [&](const std::filesystem::path& rootfs) {
    try {
      user = ResolveUser(rootfs, who);
    } catch (const Error& e) {
      throw StepError(ctx, in, "--chown=" + chown + " with --link (looked up in the stage's /etc/passwd and /etc/group): " +
                                   e.what());
    }
  });
  return std::to_string(user.uid) + ":" + std::to_string(user.gid);
}

void FetchRemoteSources(BuildContext& ctx, const parser::LocatedInstruction& in, const parser::CopyInstr& copy,
                        std::optional<FetchDir>& dir, CopySpec& spec) {
  for (const std::string& source : copy.sources) {
    if (!copy.checksum.empty() && (!IsHttpUrl(source) || IsGitSource(source)))
      throw StepError(ctx, in, "checksum can't be specified for non-HTTP(S) sources: " + source);
  }
  for (const std::string& source : copy.sources) {
    if (spec.remote.count(source) || !(IsHttpUrl(source) || IsGitSource(source))) continue;
    try {
      if (!dir) dir.emplace(ctx.store.scratch());
      if (IsGitSource(source)) {
        const GitRef ref = ParseGitRef(source);
        std::string commit;
        std::filesystem::path tree = FetchGit(ref, dir->Next(), copy.keep_git_dir, &commit);
        spec.remote[source] = CopySpec::Remote{tree, "", "git:" + commit + (ref.subdir.empty() ? "" : ":" + ref.subdir)};
        continue;
      }
      FetchedFile file = FetchUrl(source, dir->Next(), copy.checksum);
      spec.remote[source] = CopySpec::Remote{file.dir, file.name, ""};
    } catch (const Error& e) {
      throw StepError(ctx, in, std::string("ADD failed: ") + e.what());
    }
  }
}

void CopyFrom(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in, CopySpec& spec,
              const std::string& name, const std::string& buildkit_flags) {
  std::string flags;
  if (!spec.chown.empty()) flags += "--chown=" + spec.chown;
  if (!spec.chmod.empty()) flags += (flags.empty() ? "" : " ") + std::string("--chmod=") + spec.chmod;
  // BuildKit's flags, which the classic builder has not, are written after
  // its own, each followed by a space, so they are part of the cache key.
  if (!buildkit_flags.empty()) flags += (flags.empty() ? "" : " ") + buildkit_flags;
  // Hashing many files takes as long as fetching their layer: both at once.
  if (ctx.stage_lands && ctx.remote_cache && !ctx.options.no_cache) {
    ctx.remote_cache->PrefetchLikelyHit(st.image.config, st.image.top_chain, NopCreatedByOneSpace(st.Shell(), name + " " + flags),
                                        " in " + spec.dest + " ");
  }
  std::string hash;
  try {
    hash = SourceHash(spec, spec.from_image || ctx.options.context_is_temporary ? nullptr : &ctx.context_digest_cache);
  } catch (const Error& e) {
    if (!e.where().empty()) throw;
    throw StepError(ctx, in, e.what());
  }
  const std::string words = name + " " + flags + hash + " in " + spec.dest + " ";
  std::string created_by = NopCreatedByOneSpace(st.Shell(), words);
  store::Digest key = StepCacheKey(st.image, created_by);
  std::optional<store::Digest> linked_key;
  auto link = [&] {
    const std::string owner = LinkedOwner(ctx, st, in, spec.chown);
    ctx.step_linked_key = linked_key = LinkedLayerKey(words, spec.dest, spec.workdir, owner, ctx.source_date_epoch);
    if (!owner.empty()) spec.chown = owner;
  };
  // Worked out before the probes, so that --cache-to records it on a hit
  // too; but a --chown name needs the stage's rootfs, whose layers a hit
  // does not fetch from a --cache-from cache for that alone (such a hit
  // exports no linked key).
  if (spec.link && (!NamedOwner(spec.chown) || !st.image.top_chain || ctx.store.layers().Exists(*st.image.top_chain))) {
    link();
  }
  if (ProbeCache(ctx, key, st.image) || ProbeImageHistory(ctx, key, st.image, st.image.config, created_by)) return;
  if (spec.link && !linked_key) link();
  if (linked_key) {
    if (std::optional<store::Layer> made = ProbeLinkedLayer(ctx, *linked_key)) {
      store::Layer layer = RestackLayer(ctx, *made, st.image.top_chain);
      ctx.log.UsingCache();
      CommitStep(ctx, st.image, st.image.config, key, created_by, layer);
      // Pointed at the newest image: the old base's is the likelier to be removed.
      RecordLinkedLayer(ctx, *linked_key, *st.image.id);
      return;
    }
    if (ProbeRemoteLinkedLayer(ctx, *linked_key, st.image, created_by)) return;
  }
  std::optional<store::Layer> layer = MakeLayer(ctx, st.image.top_chain, [&](const std::filesystem::path& rootfs) {
    ProgressTask copying(&ctx.log, "copying files");
    spec.bytes = &copying.bytes();
    try {
      ExecuteCopy(spec, rootfs, OverlayMount::UpperDirOf(rootfs));
    } catch (const Error& e) {
      if (!e.where().empty()) throw;
      throw StepError(ctx, in, e.what());
    }
  }, spec.link);
  CommitStep(ctx, st.image, st.image.config, key, created_by, layer);
  if (linked_key && layer) RecordLinkedLayer(ctx, *linked_key, *st.image.id);
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
  spec.parents = copy.parents;
  spec.link = copy.link;
  spec.excludes = copy.excludes;
  for (const parser::Heredoc& h : copy.heredocs) spec.heredocs.emplace_back(h.name, h.content);
  const std::string name = copy.is_add ? "ADD" : "COPY";
  const std::string buildkit_flags = BuildkitFlags(copy);
  // Fetched before the cache probe: as in the classic builder, a URL's
  // content decides the history text and so the cache key.
  std::optional<FetchDir> fetch_dir;  // made only when a source is remote
  if (copy.is_add) FetchRemoteSources(ctx, in, copy, fetch_dir, spec);
  if (copy.from.empty()) {
    spec.source_root = ctx.options.context;
    spec.ignore = &ctx.ignore;
    spec.tar_sums = ctx.options.context_tar_sums;
    CopyFrom(ctx, st, in, spec, name, buildkit_flags);
    return;
  }
  if (copy.is_add) throw StepError(ctx, in, "ADD does not support --from; use COPY --from");
  // --build-context NAME=DIR, unless a stage has that name: the directory,
  // hashed and copied as a build context is.
  if (const NamedContext* named = ctx.options.NamedContextFor(copy.from);
      named && !named->is_image && !ctx.stages_by_name.count(AsciiLower(copy.from))) {
    spec.source_root = named->dir;
    CopyFrom(ctx, st, in, spec, name, buildkit_flags);
    return;
  }
  std::optional<store::Digest> source_image;
  std::optional<store::Digest> chain = FromChain(ctx, in, copy.from, &source_image);
  if (source_image) {
    ctx.step_alias_key = CopyFromCacheKey(st.image, *source_image,
                                          buildkit_flags + Join(spec.sources, "\n") + "\n" + spec.dest + "\n" +
                                              spec.workdir + "\n" + spec.chown + "\n" + spec.chmod);
    if (ProbeRemoteCache(ctx, *ctx.step_alias_key, st.image)) return;
  }
  spec.from_image = true;
  WithImageRootfs(ctx, chain, [&](const std::filesystem::path& rootfs) {
    spec.source_root = rootfs;
    CopyFrom(ctx, st, in, spec, name, buildkit_flags);
  });
}

}  // namespace ubuild::builder
