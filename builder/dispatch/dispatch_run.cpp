// RUN: the command runs in its own namespaces (the build's StepRuntime) on a
// fresh upperdir stacked on the stage's layers; the upperdir becomes the
// step's layer.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "builder/run/binfmt_emulator.h"
#include "builder/run/container_run.h"
#include "builder/run/run_mounts.h"
#include "builder/dispatch/dispatch.h"
#include "builder/dispatch/history_text.h"
#include "builder/dispatch/layer_step.h"
#include "builder/dispatch/run_init_layer.h"
#include "builder/dispatch/run_mount_setup.h"
#include "builder/dispatch/run_output_capture.h"
#include "builder/dispatch/step_commit.h"
#include "parser/platform_args.h"
#include "parser/run_heredoc.h"
#include "store/base/error.h"
#include "store/base/go_utf8.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

// argv for the command: exec form as written, shell form through SHELL,
// with heredocs as parser::RunHeredocCommand puts them; a #! heredoc
// script runs as its own file (parser::RunHeredocScript).
std::vector<std::string> CommandArgv(const StageState& st, const parser::RunInstr& run,
                                     const std::optional<parser::HeredocScript>& script) {
  if (script) return {script->path};
  if (!run.heredocs.empty()) {
    std::vector<std::string> argv = st.Shell();
    argv.push_back(parser::RunHeredocCommand(run));
    return argv;
  }
  if (!run.cmd.prepend_shell) return run.cmd.args;
  std::vector<std::string> argv = st.Shell();
  argv.push_back(Join(run.cmd.args, " "));
  return argv;
}

// A #! heredoc's body, as an executable file bound read-only at its
// /dev/pipes path. /dev is the container's own tmpfs, so neither the file
// nor its directory can reach the layer.
void MountHeredocScript(const parser::HeredocScript& script, const std::filesystem::path& dir, RunSpec& spec) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "script";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << script.content;
  out.close();
  if (!out) throw Error("writing the heredoc script " + file.string() + " failed");
  std::filesystem::permissions(file, std::filesystem::perms(0755));
  RunMount m;
  m.kind = RunMount::kBind;
  m.source = file;
  m.target = script.path;
  m.readonly = true;
  m.directory = false;
  spec.mounts.push_back(m);
}

// RUN --network=none always narrows; --network=host widens only a build
// that allowed it with `--network host`, as BuildKit wants
// `--allow network.host`: a Dockerfile cannot lift the sandbox by itself.
RunNetwork RunNetworkOf(const BuildContext& ctx, const parser::LocatedInstruction& in, const parser::RunInstr& run) {
  if (run.network == "none") return RunNetwork::kNone;
  if (run.network == "host" && ctx.options.network != RunNetwork::kHost) {
    throw StepError(ctx, in, "RUN --network=host needs the build's consent: ubuild build --network host");
  }
  return ctx.options.network;
}

// RUN --security=insecure, like --network=host, needs the build's consent
// (BuildKit's --allow security.insecure).
bool RunInsecure(const BuildContext& ctx, const parser::LocatedInstruction& in, const parser::RunInstr& run) {
  if (run.security != "insecure") return false;
  if (!ctx.options.allow_insecure) {
    throw StepError(ctx, in, "RUN --security=insecure needs the build's consent: ubuild build --allow security.insecure");
  }
  return true;
}

// A RUN for another platform's stage executes its binaries through the
// kernel's binfmt_misc emulator for them; without one it would fail with a
// bare "exec format error", so it is refused before anything starts.
void CheckRunPlatform(const BuildContext& ctx, const StageState& st, const parser::LocatedInstruction& in) {
  const parser::Platform host = parser::HostPlatform();
  if (st.platform.os != host.os) {
    throw StepError(ctx, in, "RUN for " + st.platform.Format() + ": ubuild runs " + host.os + " programs only");
  }
  if (RunsNatively(st.platform.architecture, host.architecture)) return;
  const std::string missing = MissingEmulator(st.platform.architecture);
  if (!missing.empty()) {
    throw StepError(ctx, in,
                    "RUN for " + st.platform.Format() + " needs an emulator: " + missing + " (install qemu-user-static)");
  }
}

// Where a RUN's /etc/hosts, resolv.conf and hostname are written
// (RunSpec::etc_dir): a dir of the step's own on the build's tmpfs, so that
// making and removing them touches no disk; none (beside the rootfs) where
// no tmpfs can be had.
class EtcFilesDir {
 public:
  EtcFilesDir(BuildTmpfs& tmpfs, const std::filesystem::path& session_dir) {
    try {
      dir_ = tmpfs.MakeStepDir(session_dir);
    } catch (const Error&) {
    }
  }
  ~EtcFilesDir() {
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  EtcFilesDir(const EtcFilesDir&) = delete;
  EtcFilesDir& operator=(const EtcFilesDir&) = delete;
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace

void DispatchRun(BuildContext& ctx, StageState& st, const parser::LocatedInstruction& in,
                 const parser::RunInstr& run) {
  const std::optional<parser::HeredocScript> script = parser::RunHeredocScript(run);
  std::vector<std::string> argv = CommandArgv(st, run, script);
  const store::ImageConfig& config = st.image.config;
  std::string workdir = config.config().value("WorkingDir", "");
  if (workdir.empty()) workdir = "/";
  const std::vector<RunMountSpec> mounts = ParseRunMounts(ctx, st, in, run, workdir);
  const bool insecure = RunInsecure(ctx, in, run);
  std::vector<std::string> env = config.Env();
  std::vector<std::string> build_args = st.args.Allowed(env);
  std::string created_by = RunCreatedBy(build_args, argv);
  // The script's body follows its path, as heredoc bodies follow their
  // command: the history shows what ran, and the key changes with it.
  if (script) created_by += "\n" + script->content;
  // The mounts (and what a bind shows) are part of what the step depends
  // on, but not of its history text, as in BuildKit.
  // A RUN for another platform runs other programs (or the same ones
  // emulated): its key says so, and a host RUN's keys stay as they were.
  const std::string platform_key =
      st.platform == parser::HostPlatform() ? "" : "\n--platform=" + st.platform.Format();
  store::Digest key = StepCacheKey(st.image, mounts.empty() && !insecure && platform_key.empty()
                                                 ? created_by
                                                 : created_by + RunMountsKey(ctx, in, mounts) +
                                                       (insecure ? "\n--security=insecure" : "") + platform_key);
  if (ProbeCache(ctx, key, st.image) || ProbeImageHistory(ctx, key, st.image, st.image.config, created_by)) return;
  CheckRunPlatform(ctx, st, in);

  RunSpec spec;
  spec.argv = argv;
  spec.env = env;
  spec.env.insert(spec.env.end(), build_args.begin(), build_args.end());
  // Docker hands the process to runc as JSON, which turns invalid UTF-8
  // into U+FFFD: the command runs with those bytes (its history keeps argv).
  for (std::string& s : spec.argv) s = ToValidUtf8(s);
  for (std::string& s : spec.env) s = ToValidUtf8(s);
  spec.user = config.config().value("User", "");
  spec.workdir = workdir;
  spec.network = RunNetworkOf(ctx, in, run);
  spec.limits = ctx.options.run_limits;
  spec.hostname = "ubuild";
  spec.seccomp = ctx.options.seccomp;
  spec.insecure = insecure;
  spec.extra_hosts = ctx.options.add_hosts;
  spec.ulimits = ctx.options.ulimits;
  spec.shm_bytes = ctx.options.shm_bytes;
  if (const store::Json& vols = config.config()["Volumes"]; vols.is_object()) {
    for (auto it = vols.begin(); it != vols.end(); ++it) spec.volumes.push_back(it.key());
  }
  std::optional<store::Layer> layer;
  WithMountSourceImages(ctx, in, mounts, [&](const std::vector<std::filesystem::path>& roots) {
    std::optional<ActiveRunMounts> active;
    std::optional<RunInitLayer> init;  // a lower layer: outlives the rootfs's overlay
    std::optional<EtcFilesDir> etc_files;
    const LowerStacker stack = [&](std::vector<std::filesystem::path>& lower, const std::filesystem::path& pending_dir) {
      // The mounts first: their targets go in the init layer the rootfs stacks.
      if (!mounts.empty()) active.emplace(ctx, in, mounts, roots, pending_dir / "run-mounts", spec);
      if (!ctx.runtime.ShowsLower()) return;
      init.emplace(ctx.run_tmpfs, ctx.store.scratch(), spec, lower);
      spec.etc_dir = etc_files.emplace(ctx.run_tmpfs, ctx.store.scratch()).path();
    };
    // What the mounts keep beside the rootfs goes before the layer is
    // committed (also when the step fails on the way).
    struct TakeDown {
      std::optional<ActiveRunMounts>& active;
      ~TakeDown() { active.reset(); }
    };
    TakeDown on_failure{active};
    layer = MakeLayer(ctx, st.image.top_chain, [&](const std::filesystem::path& rootfs) {
      TakeDown after_run{active};
      spec.rootfs = rootfs;
      if (init) init->Watch(rootfs);
      if (script) MountHeredocScript(*script, rootfs.parent_path() / "run-script", spec);
      RunOutputCapture output(ctx.log);
      const int code = ctx.runtime.Run(spec);
      if (code != 0) {
        // Throwing from inside MakeLayer discards the upperdir.
        throw StepError(ctx, in,
                        "The command '" + Join(argv, " ") + "' returned a non-zero code: " + std::to_string(code));
      }
    }, false, stack);
  });
  CommitStep(ctx, st.image, st.image.config, key, created_by, layer);
}

}  // namespace ubuild::builder
