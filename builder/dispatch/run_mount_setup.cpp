#include "builder/dispatch/run_mount_setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "builder/dispatch/cache_mount_dir.h"
#include "builder/dispatch/context_view.h"
#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/layer_step.h"
#include "builder/dispatch/ssh_agent.h"
#include "builder/dispatch/ssh_relay.h"
#include "builder/rootfs/overlay_mount.h"
#include "builder/rootfs/rooted_path.h"
#include "parser/word_expansion.h"
#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/base/strings.h"
#include "store/digest.h"
#include "store/session_scratch.h"

namespace ubuild::builder {

namespace fs = std::filesystem;

namespace {

// The mount values name no secret content, so an error may quote them.
Error MountError(const BuildContext& ctx, const parser::LocatedInstruction& in, const std::string& what) {
  return StepError(ctx, in, "RUN --mount: " + what);
}

bool ReadsImage(const RunMountSpec& m) {
  return (m.type == MountType::kBind || m.type == MountType::kCache) && !m.from.empty();
}

// from= names an earlier stage (by name or index) or an image in the store;
// the result is its top chain id (nullopt for an empty image).
std::optional<store::Digest> FromChain(BuildContext& ctx, const parser::LocatedInstruction& in,
                                       const std::string& from) {
  if (auto it = ctx.stages_by_name.find(AsciiLower(from)); it != ctx.stages_by_name.end()) {
    return store::TopChainId(it->second.config);
  }
  store::Store::Scope adding = ctx.store.Adding();  // resolved and pinned as one
  std::optional<store::Digest> id;
  try {
    id = ctx.store.Resolve(from);
  } catch (const Error& e) {
    throw MountError(ctx, in, "from=" + from + ": " + e.what());
  }
  if (!id) throw MountError(ctx, in, "from=" + from + ": no stage or image of that name");
  ctx.store.Pin(*id);
  return store::TopChainId(store::ImageConfig::Parse(ctx.store.images().GetConfig(*id), id->str()));
}

// The mount's source inside `root_fd`'s tree: the context refuses a path
// leading out of it, an image resolves symlinks with itself as "/".
std::string SourceIn(const BuildContext& ctx, const parser::LocatedInstruction& in, int root_fd,
                     const RunMountSpec& m, bool context) {
  ResolvedPath r;
  try {
    r = ResolveInTree(root_fd, m.source.empty() ? "." : m.source, !context);
  } catch (const Error& e) {
    throw MountError(ctx, in, "source \"" + m.source + "\": " + e.what());
  }
  if (r.escaped) throw MountError(ctx, in, "source \"" + m.source + "\" leads out of the build context");
  // A path .dockerignore leaves out is not in the context BuildKit sends.
  const bool ignored = context && !r.rel.empty() && ctx.ignore.Excluded(r.rel) &&
                       !(S_ISDIR(r.st.st_mode) && ctx.ignore.HasExceptionsUnder(r.rel));
  if (!r.exists || ignored) {
    throw MountError(ctx, in, "source \"" + m.source + "\" not found in " +
                                  (context ? std::string("the build context") : "from=" + m.from) +
                                  (ignored ? " (.dockerignore excludes it)" : ""));
  }
  return r.rel;
}

Fd OpenDir(const fs::path& p) {
  Fd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw SysError("open", p.string(), errno);
  return fd;
}

void MakeDir(const fs::path& p, mode_t mode) {
  if (::mkdir(p.c_str(), mode) != 0 && errno != EEXIST) throw SysError("mkdir", p.string(), errno);
}

}  // namespace

std::vector<RunMountSpec> ParseRunMounts(const BuildContext& ctx, const StageState& st,
                                         const parser::LocatedInstruction& in, const parser::RunInstr& run,
                                         const std::string& workdir) {
  std::vector<RunMountSpec> out;
  if (run.mounts.empty()) return out;
  const parser::VarLookup vars = parser::LookupFromEnv(st.ExpansionEnv());
  const MountValueExpander expand = [&](const std::string& v) { return parser::ExpandWord(v, vars, ctx.escape); };
  for (const std::string& v : run.mounts) {
    try {
      out.push_back(ParseRunMount(v, workdir, expand));
    } catch (const Error& e) {
      throw MountError(ctx, in, e.what());
    }
  }
  // Only a tmpfs is fresh enough to make a nested target in (a bind or
  // cache would get the directory, or a symlink could lead it elsewhere).
  for (const RunMountSpec& outer : out) {
    if (outer.type == MountType::kTmpfs || outer.target.empty()) continue;
    for (const RunMountSpec& inner : out) {
      if (inner.target.size() > outer.target.size() && inner.target.compare(0, outer.target.size(), outer.target) == 0 &&
          inner.target[outer.target.size()] == '/') {
        throw MountError(ctx, in, "target " + inner.target + " lies inside the " +
                                      std::string(MountTypeName(outer.type)) + " mount at " + outer.target +
                                      "; ubuild nests mounts only inside a tmpfs");
      }
    }
  }
  return out;
}

std::string RunMountsKey(BuildContext& ctx, const parser::LocatedInstruction& in,
                         const std::vector<RunMountSpec>& mounts) {
  std::string key;
  for (const RunMountSpec& m : mounts) {
    key += "\n--mount=" + RunMountKeyText(m);
    if (ReadsImage(m)) {
      std::optional<store::Digest> chain = FromChain(ctx, in, m.from);
      key += " chain:" + (chain ? chain->str() : std::string("scratch"));
    } else if (m.type == MountType::kBind) {
      Fd root = OpenDir(ctx.options.context);
      const std::string rel = SourceIn(ctx, in, root.get(), m, true);
      try {
        key += " " + ContextBindHash(ctx, rel);
      } catch (const Error& e) {
        throw MountError(ctx, in, "source \"" + m.source + "\": " + e.what());
      }
    }
  }
  return key;
}

void WithMountSourceImages(BuildContext& ctx, const parser::LocatedInstruction& in,
                           const std::vector<RunMountSpec>& mounts,
                           const std::function<void(const std::vector<fs::path>& roots)>& fn) {
  std::vector<fs::path> roots(mounts.size());
  std::function<void(size_t)> from = [&](size_t i) {
    while (i < mounts.size() && !ReadsImage(mounts[i])) ++i;
    if (i == mounts.size()) return fn(roots);
    // The image's overlay has a throwaway upperdir: a rw bind's writes go there.
    WithImageRootfs(ctx, FromChain(ctx, in, mounts[i].from), [&](const fs::path& root) {
      roots[i] = root;
      from(i + 1);
    });
  };
  from(0);
}

namespace {

// One call for each empty dir and file a step made; a dir the RUN wrote
// into (a rw bind's upperdir) takes a walk.
void RemoveMade(const fs::path& p) {
  if (::rmdir(p.c_str()) == 0 || errno == ENOENT) return;
  if (errno == ENOTDIR && ::unlink(p.c_str()) == 0) return;
  std::error_code ec;
  fs::remove_all(p, ec);
}

}  // namespace

struct ActiveRunMounts::Held {
  BuildTmpfs* tmpfs = nullptr;
  fs::path session_dir;
  fs::path step_dir;        // on the build's tmpfs: secrets, views' mount points
  std::string disk_prefix;  // beside the rootfs: rw binds' upper and work dirs, file copies
  std::vector<fs::path> made;  // removed in reverse order
  std::vector<std::unique_ptr<OverlayMount>> overlays;
  std::vector<std::unique_ptr<SshAgent>> agents;
  std::vector<std::unique_ptr<SshRelay>> relays;
  CacheMountHolds cache;
  fs::path agent_dir;  // short: a socket's path must fit sun_path's 108 bytes

  ~Held() {
    agents.clear();
    relays.clear();
    std::error_code ec;
    if (!agent_dir.empty()) fs::remove_all(agent_dir, ec);
    overlays.clear();
    // The pending layer's dir must hold only what the store put there, and
    // the secrets go with their step, not with the build.
    for (auto it = made.rbegin(); it != made.rend(); ++it) RemoveMade(*it);
    cache = {};
  }

  // `name` in the step's dir on the build's tmpfs, made on first use: a RUN
  // with only cache, tmpfs, ssh and plain binds needs none.
  fs::path on_tmpfs(const std::string& name) {
    if (step_dir.empty()) {
      step_dir = tmpfs->MakeStepDir(session_dir);
      made.push_back(step_dir);
    }
    return made.emplace_back(step_dir / name);
  }

  // Flat names beside the rootfs, no dir of their own: each dir on the
  // store's filesystem is a mkdir and a removal per RUN.
  fs::path on_disk(const std::string& name) { return made.emplace_back(disk_prefix + "-" + name); }
};

namespace {

struct MountCtx {
  BuildContext& ctx;
  const parser::LocatedInstruction& in;
  RunSpec& spec;
};

// A bind of the context (or of an image root) at the mount's target; rw
// shows the source through an overlay whose upperdir is thrown away.
void BindMount(MountCtx& mc, ActiveRunMounts::Held& held, const RunMountSpec& m, const fs::path& image_root,
               size_t index) {
  const bool context = image_root.empty();
  const fs::path root = context ? fs::absolute(mc.ctx.options.context) : image_root;
  Fd root_fd = OpenDir(root);
  const std::string rel = SourceIn(mc.ctx, mc.in, root_fd.get(), m, context);
  RunMount rm;
  rm.kind = RunMount::kBind;
  rm.target = m.target;
  rm.readonly = m.readonly;
  rm.source = rel.empty() ? root : root / rel;
  rm.directory = fs::is_directory(rm.source);
  // What .dockerignore leaves out is hidden by an overlay's whiteouts
  // (context_view.h); a read-only bind that hides nothing stays a plain bind.
  const std::vector<std::string> hidden =
      context && rm.directory ? IgnoredUnder(root, rel, mc.ctx.ignore) : std::vector<std::string>{};
  if (context && (!m.readonly || !hidden.empty())) {
    const std::string name = "bind" + std::to_string(index);
    if (rm.directory) {
      const fs::path upper = held.on_disk(name + "-upper"), work = held.on_disk(name + "-work");
      held.made.push_back(work / "work");  // overlay's own, left empty by the unmount
      const fs::path merged = held.on_tmpfs(name);
      MakeDir(upper, 0755);
      MakeWhiteouts(rm.source, hidden, upper);
      MakeDir(work, 0700);
      MakeDir(merged, 0755);
      held.overlays.push_back(std::make_unique<OverlayMount>(std::vector<fs::path>{rm.source}, upper, work, merged));
      held.overlays.back()->DetachOnUnmount();
      rm.source = merged;
    } else {
      const fs::path copy = held.on_disk(name);
      fs::copy_file(rm.source, copy);
      rm.source = copy;
    }
  }
  mc.spec.mounts.push_back(rm);
}

// A cache dir (cache_mount_dir.h), seeded from `from`'s files when new.
void CacheMount(MountCtx& mc, ActiveRunMounts::Held& held, const RunMountSpec& m, const fs::path& image_root) {
  std::function<void(const fs::path&)> seed;
  if (!image_root.empty()) {
    seed = [&](const fs::path& tmp) {
      Fd root_fd = OpenDir(image_root);
      const std::string rel = SourceIn(mc.ctx, mc.in, root_fd.get(), m, false);
      std::error_code ec;
      fs::copy(rel.empty() ? image_root : image_root / rel, tmp,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
      if (ec) throw Error("cannot seed the cache mount from " + m.from + ": " + ec.message(), tmp.string());
    };
  }
  RunMount rm;
  rm.kind = RunMount::kBind;
  rm.source = TakeCacheMountDir(mc.ctx.store, m, held.cache, seed);
  rm.target = m.target;
  rm.readonly = m.readonly;
  mc.spec.mounts.push_back(rm);
}

// Secrets live on the build's tmpfs, never on a disk: read from their source
// straight into a file in the step's dir there, bound read-only at the
// target, removed with the step.
void SecretMount(MountCtx& mc, ActiveRunMounts::Held& held, const RunMountSpec& m, size_t index) {
  auto it = mc.ctx.options.secrets.find(m.id);
  if (it == mc.ctx.options.secrets.end()) {
    if (m.required) {
      throw MountError(mc.ctx, mc.in, "secret " + m.id + " is required but was not given (ubuild build --secret id=" +
                                          m.id + ",src=FILE)");
    }
    return;
  }
  std::string value;
  try {
    value = ReadSecret(m.id, it->second);
  } catch (const Error& e) {
    throw MountError(mc.ctx, mc.in, e.what());
  }
  if (!m.env.empty()) mc.spec.env.push_back(m.env + "=" + value);
  if (m.target.empty()) return;
  const fs::path file = held.on_tmpfs("secret" + std::to_string(index));
  Fd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) throw SysError("open", file.string(), errno);
  for (size_t done = 0; done < value.size();) {
    const ssize_t n = ::write(fd.get(), value.data() + done, value.size() - done);
    if (n <= 0) throw SysError("write", "secret " + m.id, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (::fchown(fd.get(), m.uid.value_or(0), m.gid.value_or(0)) != 0) throw SysError("chown", file.string(), errno);
  if (::fchmod(fd.get(), m.mode.value_or(0400)) != 0) throw SysError("chmod", file.string(), errno);
  RunMount rm;
  rm.kind = RunMount::kBind;
  rm.source = file;
  rm.target = m.target;
  rm.readonly = true;
  rm.directory = false;
  mc.spec.mounts.push_back(rm);
}

// The dir of the step's agent sockets, made on first use.
const fs::path& AgentDir(ActiveRunMounts::Held& held, const fs::path& session_scratch) {
  if (held.agent_dir.empty()) {
    std::string tmpl = store::SocketScratchTemplate(session_scratch, "ssh");
    if (::mkdtemp(tmpl.data()) == nullptr) throw SysError("mkdtemp", tmpl, errno);
    held.agent_dir = tmpl;
  }
  return held.agent_dir;
}

// An agent socket given with --ssh is relayed through a socket of the
// step's own, key files get an agent of the step's own; either socket takes
// the mount's owner and mode.
void SshMount(MountCtx& mc, ActiveRunMounts::Held& held, const RunMountSpec& m, size_t ssh_index,
              bool* first_ssh) {
  auto it = mc.ctx.options.ssh.find(m.id);
  if (it == mc.ctx.options.ssh.end()) {
    if (m.required) {
      throw MountError(mc.ctx, mc.in, "ssh agent " + m.id + " is required but was not given (ubuild build --ssh " +
                                          m.id + "[=SOCKET|KEY])");
    }
    return;
  }
  const std::vector<std::string>& paths = it->second;
  struct stat st {};
  fs::path socket;
  try {
    if (paths.size() == 1 && ::stat(paths[0].c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      held.relays.push_back(std::make_unique<SshRelay>(AgentDir(held, mc.ctx.store.scratch()) / ("relay." + std::to_string(ssh_index)),
                                                       fs::absolute(paths[0]), m.mode.value_or(0600),
                                                       m.uid.value_or(0), m.gid.value_or(0)));
      socket = held.relays.back()->socket();
    } else {
      held.agents.push_back(
          std::make_unique<SshAgent>(AgentDir(held, mc.ctx.store.scratch()) / ("agent." + std::to_string(ssh_index)), paths,
                                     mc.ctx.store.scratch()));
      socket = held.agents.back()->socket();
      if (::chown(socket.c_str(), m.uid.value_or(0), m.gid.value_or(0)) != 0 ||
          ::chmod(socket.c_str(), m.mode.value_or(0600)) != 0) {
        throw SysError("chmod", socket.string(), errno);
      }
    }
  } catch (const Error& e) {
    throw MountError(mc.ctx, mc.in, "ssh " + m.id + ": " + e.what() + (e.where().empty() ? "" : ": " + e.where()));
  }
  RunMount rm;
  rm.kind = RunMount::kBind;
  rm.source = socket;
  rm.target = m.target.empty() ? "/run/buildkit/ssh_agent." + std::to_string(ssh_index) : m.target;
  rm.directory = false;
  mc.spec.mounts.push_back(rm);
  // BuildKit points SSH_AUTH_SOCK at the first ssh mount unless set.
  if (*first_ssh) {
    *first_ssh = false;
    bool set = false;
    for (const std::string& e : mc.spec.env) set = set || e.rfind("SSH_AUTH_SOCK=", 0) == 0;
    if (!set) mc.spec.env.push_back("SSH_AUTH_SOCK=" + rm.target);
  }
}

}  // namespace

ActiveRunMounts::ActiveRunMounts(BuildContext& ctx, const parser::LocatedInstruction& in,
                                 const std::vector<RunMountSpec>& mounts, const std::vector<fs::path>& roots,
                                 const fs::path& scratch, RunSpec& spec)
    : held_(std::make_unique<Held>()) {
  held_->tmpfs = &ctx.run_tmpfs;
  held_->session_dir = ctx.store.scratch();
  held_->disk_prefix = scratch.string();
  MountCtx mc{ctx, in, spec};
  size_t ssh_index = 0;
  bool first_ssh = true;
  for (size_t i = 0; i < mounts.size(); ++i) {
    const RunMountSpec& m = mounts[i];
    switch (m.type) {
      case MountType::kBind:
        BindMount(mc, *held_, m, roots[i], i);
        break;
      case MountType::kCache:
        CacheMount(mc, *held_, m, roots[i]);
        break;
      case MountType::kTmpfs: {
        RunMount rm;
        rm.kind = RunMount::kTmpfs;
        rm.target = m.target;
        if (m.size) rm.tmpfs_options = "size=" + std::to_string(*m.size);
        spec.mounts.push_back(rm);
        break;
      }
      case MountType::kSecret:
        SecretMount(mc, *held_, m, i);
        break;
      case MountType::kSsh:
        SshMount(mc, *held_, m, ssh_index++, &first_ssh);
        break;
    }
  }
}

ActiveRunMounts::~ActiveRunMounts() = default;

}  // namespace ubuild::builder
