// `ubuild [build] [OPTIONS] CONTEXT` — docker build's command line.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "builder/build.h"
#include "builder/cli/build_context_source.h"
#include "builder/cli/build_flag_values.h"
#include "builder/cli/build_metadata_file.h"
#include "builder/cli/build_output.h"
#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/dockerfile_lookup.h"
#include "builder/cli/progress_display.h"
#include "builder/dispatch/build_secrets.h"
#include "builder/registry_cache_option.h"
#include "builder/run/seccomp_option.h"
#include "parser/platform_args.h"
#include "store/base/error.h"
#include "store/reference_store.h"
#include "store/registry/image_push.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

// --security-opt seccomp=unconfined|FILE (Docker's CLI also takes the old
// "seccomp:FILE" spelling); a bad profile fails here, before any work.
builder::SeccompOption ReadSecurityOpt(const std::string& v) {
  const size_t sep = v.find_first_of("=:");
  if (sep == std::string::npos || v.substr(0, sep) != "seccomp" || sep + 1 == v.size()) {
    throw UsageError("--security-opt " + v + ": ubuild supports seccomp=unconfined|FILE");
  }
  builder::SeccompOption option = builder::SeccompOption::FromValue(v.substr(sep + 1));
  builder::SeccompProgramFor(option);
  return option;
}

// --memory: docker's floor, below which a container cannot even start.
int64_t MemoryLimit(const std::string& v) {
  const int64_t bytes = ParseByteSize("memory", v);
  if (bytes < 6 * 1024 * 1024) throw UsageError("--memory " + v + ": the minimum is 6m");
  return bytes;
}

// docker build's names: its default network is "default", a.k.a. "bridge".
builder::RunNetwork NetworkMode(const std::string& v) {
  if (v == "none") return builder::RunNetwork::kNone;
  if (v == "host") return builder::RunNetwork::kHost;
  if (v == "default" || v == "bridge") return builder::RunNetwork::kDefault;
  throw UsageError("--network " + v + ": ubuild supports default, host and none");
}

// docker's --pids-limit: 0 and -1 mean no limit.
int64_t PidsLimit(const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || n < -1) {
    throw UsageError("--pids-limit " + v + ": want a number of processes (0 or -1: no limit)");
  }
  return n > 0 ? n : 0;
}

// What the command line asks for: the build's options, and what the
// command itself does around the build.
struct BuildRequest {
  builder::BuildOptions options;
  std::string context;               // the CONTEXT operand as given
  std::vector<OutputSpec> outputs;   // -o/--output
  std::filesystem::path metadata_file;
};

// Flags this command handles around the build: its context, outputs and
// reports. False for a flag of the build itself.
bool ApplyCommandFlag(BuildRequest& r, const std::string& flag, const std::string& v) {
  if (flag == "output") {
    if (!r.outputs.empty()) throw UsageError("--output " + v + ": one output per build (like buildx)");
    r.outputs.push_back(ParseOutput(v));
  } else if (flag == "metadata-file") {
    if (v.empty()) throw UsageError("--metadata-file needs a file name");
    r.metadata_file = v;
  } else {
    return false;
  }
  return true;
}

// --add-host NAME:host-gateway: Docker maps it to its bridge's gateway, the
// host seen from a container. ubuild has no bridge: under --network host
// the host is the RUN's own loopback; the user-mode default network cannot
// reach the host's loopback, so there it has no address to give.
void MapHostGateway(builder::BuildOptions& o) {
  for (builder::ExtraHost& h : o.add_hosts) {
    if (h.address != "host-gateway") continue;
    if (o.network != builder::RunNetwork::kHost) {
      throw UsageError("--add-host " + h.name + ":host-gateway: only with --network host (the RUN's network "
                       "reaches no host address otherwise); name the address instead");
    }
    h.address = "127.0.0.1";
  }
}

// --build-arg NAME=VALUE, or a bare NAME that takes its value from the
// environment, if set (as in Docker).
void AddBuildArg(builder::BuildOptions& o, const std::string& v) {
  const auto eq = v.find('=');
  if (eq == std::string::npos) {
    if (const char* env = std::getenv(v.c_str())) o.build_args[v] = env;
    return;
  }
  if (eq == 0) throw UsageError("--build-arg " + v + ": the name is empty");
  o.build_args[v.substr(0, eq)] = v.substr(eq + 1);
}

// --platform: one platform, since ubuild makes no multi-platform image.
parser::Platform PlatformFlag(const std::string& v) {
  if (v.find(',') != std::string::npos) {
    throw UsageError("--platform " + v + ": one platform per build (ubuild makes no multi-platform image); "
                     "build each with its own --platform");
  }
  try {
    return parser::ParsePlatform(v);
  } catch (const Error& e) {
    throw UsageError("--platform " + v + ": " + e.message());
  }
}

// One flag, as docker build reads it.
void ApplyFlag(builder::BuildOptions& o, const std::string& flag, const std::string& v) {
  if (flag == "tag") {
    store::NormalizeReference(v);  // a bad tag fails before any work
    o.tags.push_back(v);
  } else if (flag == "file") {
    if (v == "-") {
      o.dockerfile_from_stdin = true;
    } else {
      o.dockerfile = v;
    }
  } else if (flag == "build-arg") {
    AddBuildArg(o, v);
  } else if (flag == "target") {
    o.target = v;
  } else if (flag == "platform") {
    o.platform = PlatformFlag(v);
  } else if (flag == "no-cache") {
    o.no_cache = true;
  } else if (flag == "pull") {
    o.pull = true;
  } else if (flag == "push") {
    o.push = true;
  } else if (flag == "cache-from") {
    builder::ParseCacheFrom(v);  // a bad value fails before any work
    o.cache_from.push_back(v);
  } else if (flag == "cache-to") {
    builder::ParseCacheTo(v);
    o.cache_to.push_back(v);
  } else if (flag == "network") {
    o.network = NetworkMode(v);
  } else if (flag == "memory") {
    o.run_limits.memory_bytes = MemoryLimit(v);
  } else if (flag == "pids-limit") {
    o.run_limits.pids = PidsLimit(v);
  } else if (flag == "add-host") {
    o.add_hosts.push_back(ParseAddHost(v));
  } else if (flag == "ulimit") {
    o.ulimits.push_back(ParseUlimit(v));
  } else if (flag == "shm-size") {
    o.shm_bytes = ParseByteSize("shm-size", v);
    if (o.shm_bytes <= 0) throw UsageError("--shm-size " + v + ": must be more than 0");
  } else if (flag == "build-context") {
    auto [name, context] = ParseBuildContext(v);
    o.named_contexts[name] = context;
  } else if (flag == "security-opt") {
    o.seccomp = ReadSecurityOpt(v);
  } else if (flag == "secret") {
    auto [id, source] = builder::ParseSecretFlag(v);
    o.secrets[id] = source;
  } else if (flag == "ssh") {
    auto [id, paths] = builder::ParseSshFlag(v);
    o.ssh[id] = paths;
  } else if (flag == "allow") {
    if (v != "security.insecure") throw UsageError("--allow " + v + ": ubuild knows security.insecure");
    o.allow_insecure = true;
  } else if (flag == "label") {
    auto eq = v.find('=');
    o.labels[v.substr(0, eq)] = eq == std::string::npos ? "" : v.substr(eq + 1);
  } else if (flag == "iidfile") {
    o.iidfile = v;
  } else if (flag == "quiet") {
    o.progress = builder::Progress::kQuiet;
  } else if (flag == "progress") {
    o.progress = ParseProgress(v);
  }
}

// The command line read. Flags act in the order given: a bad tag fails
// before a later unknown flag, and --tag, --build-arg and --label repeat.
BuildRequest ReadRequest(const Args& args) {
  BuildRequest r;
  std::vector<std::string> positional;
  FlagReader reader("build", args, BuildFlags());
  FlagItem item;
  try {
    while (reader.Next(&item)) {
      if (item.flag == nullptr) {
        positional.push_back(item.value);
      } else if (!ApplyCommandFlag(r, item.flag->long_name, item.value)) {
        ApplyFlag(r.options, item.flag->long_name, item.value);
      }
    }
  } catch (const FlagError& e) {
    // build's own wording, which predates the shared parser's.
    if (e.kind == FlagError::Kind::kNeedsValue) throw UsageError("option " + e.word + " needs a value");
    throw UsageError("unknown option " + e.word + " for build");
  }
  if (positional.size() != 1) {
    throw UsageError(positional.empty() ? "build needs a CONTEXT: a directory (e.g. .), a tar archive, - or a git URL"
                                        : "build takes one CONTEXT, got " + std::to_string(positional.size()));
  }
  r.context = positional[0];
  MapHostGateway(r.options);
  if (!r.outputs.empty() && r.outputs[0].dest == "-" && r.outputs[0].type != OutputSpec::Type::kLocal &&
      ::isatty(STDOUT_FILENO)) {
    throw Error("refusing to write an archive to a terminal: give --output a dest=FILE or redirect standard output");
  }
  return r;
}

// The context made ready and the Dockerfile found in it. A context other
// than a directory holds the Dockerfile itself: -f names a file inside it.
void UseContext(builder::BuildOptions& o, const PreparedContext& context) {
  o.context = context.dir();
  o.context_is_temporary = context.kind() != ContextKind::kDirectory;
  o.context_tar_sums = context.tar_sums();
  if (context.dockerfile_only()) {
    // docker's CLI: a Dockerfile on stdin is the context's Dockerfile, whatever -f says.
    o.dockerfile = context.dir() / "Dockerfile";
  } else if (o.dockerfile_from_stdin) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    o.dockerfile_text = ss.str();
  } else if (o.dockerfile.empty()) {
    o.dockerfile = FindDockerfile(o.context);
  } else if (o.context_is_temporary) {
    o.dockerfile = context.DockerfileIn(o.dockerfile.string());
  }
}

}  // namespace

const std::vector<FlagSpec>& BuildFlags() {
  static const std::vector<FlagSpec> flags = {
      {"tag", 't', true, "NAME[:TAG]", "Name and optionally a tag for the image (repeatable)"},
      {"file", 'f', true, "FILE", "The Dockerfile (default: CONTEXT/Dockerfile, dockerfile or Containerfile; - reads standard input)"},
      {"build-arg", 0, true, "K[=V]", "Set a build arg (K alone takes $K from the environment)"},
      {"target", 0, true, "STAGE", "Build up to this stage"},
      {"platform", 0, true, "OS/ARCH[/VARIANT]",
       "The target platform: TARGETPLATFORM and the others, the image config, the platform FROM images are pulled for"},
      {"no-cache", 0, false, "", "Do not use the build cache"},
      {"network", 0, true, "default|host|none",
       "Network for RUN: default (a namespace of its own, outbound only, via slirp4netns or pasta), host or none"},
      {"memory", 'm', true, "BYTES[k|m|g]", "Memory limit for each RUN (default none)"},
      {"pids-limit", 0, true, "N", "Process limit for each RUN (default none; 0 or -1: none)"},
      {"label", 0, true, "K=V", "Add a label to the image (repeatable)"},
      {"security-opt", 0, true, "seccomp=unconfined|FILE", "Seccomp profile for RUN (default: Docker's)"},
      {"secret", 0, true, "id=ID,src=FILE|env=VAR", "A secret for RUN --mount=type=secret (repeatable)"},
      {"ssh", 0, true, "ID[=SOCKET|KEY[,KEY]]", "An SSH agent (or keys) for RUN --mount=type=ssh (repeatable)"},
      {"allow", 0, true, "security.insecure", "Let RUN --security=insecure run with every capability"},
      {"iidfile", 0, true, "FILE", "Write the image id to FILE"},
      {"quiet", 'q', false, "", "Print only the image id"},
      {"progress", 0, true, "MODE",
       "auto (tty on a terminal, else plain), tty (live view on stderr), plain (classic log), rawjson (JSON lines on stderr) or quiet"},
      {"pull", 0, false, "", "Pull every FROM image, even one in the store"},
      {"push", 0, false, "", "Push each -t name after the build"},
      // Contexts and results (README "Build contexts and outputs").
      {"add-host", 0, true, "NAME:ADDRESS", "Add a line to each RUN's /etc/hosts (repeatable; host-gateway: with --network host, 127.0.0.1)"},
      {"ulimit", 0, true, "NAME=SOFT[:HARD]", "Resource limit for each RUN, e.g. nofile=1024:2048 (repeatable; -1: unlimited)"},
      {"shm-size", 0, true, "BYTES[k|m|g]", "Size of each RUN's /dev/shm (default 64m)"},
      {"build-context", 0, true, "NAME=DIR|docker-image://REF",
       "A named context for FROM NAME (an image) and COPY --from=NAME (an image or a directory) (repeatable)"},
      {"metadata-file", 0, true, "FILE", "Write the result as BuildKit's JSON (containerimage.digest, containerimage.config.digest, image.name)"},
      {"output", 'o', true, "type=local|tar|docker|oci,dest=PATH",
       "Also write the result: the final stage's files (local: a directory, tar: an archive) or the image (docker, oci); a bare PATH is type=local"},
      {"cache-from", 0, true, "type=registry,ref=R|type=local,src=DIR|IMAGE",
       "Take steps from a build cache or an image's history (repeatable; a missing cache is a warning)"},
      {"cache-to", 0, true, "type=registry,ref=R|type=local,dest=DIR[,mode=min|max]|type=inline",
       "Export the build cache after the build (mode=max: every stage's steps)"},
  };
  return flags;
}

int CmdBuild(const GlobalOptions& g, const Args& args) {
  BuildRequest r = ReadRequest(args);
  builder::BuildOptions& options = r.options;
  if (options.push && options.tags.empty()) throw UsageError("--push needs a name to push: add -t NAME[:TAG]");
  options.result_in_store = !r.outputs.empty();
  // Steps run outside ROOT/lock, so builds go side by side (store.h).
  store::Store store = store::Store::Open(g.root, store::Store::Mode::kConcurrent);
  // Unpacked or checked out into the session's scratch; removed when this returns or throws.
  const PreparedContext context = PreparedContext::Prepare(r.context, options.dockerfile_from_stdin, store.scratch());
  UseContext(options, context);
  // An archive on standard output: the build's log goes to stderr instead.
  const bool output_on_stdout = !r.outputs.empty() && r.outputs[0].dest == "-";
  store::Digest id;
  {
    ProgressDisplay display(options.progress, "Building", output_on_stdout ? std::cerr : std::cout);
    id = builder::Build(options, store, display.sink());
  }
  for (const OutputSpec& output : r.outputs) WriteBuildOutput(store, id, output, options.tags);
  if (!r.metadata_file.empty()) WriteBuildMetadataFile(r.metadata_file, id, options.tags);
  // An image the build pushed from the --cache-from cache is not in the
  // store (its layers were never downloaded): it is in the registry already.
  if (options.push && store.images().Exists(id)) {
    // push records which blob went where (distribution metadata) as `ubuild
    // push` does, under ROOT/lock held exclusively.
    store::Store pusher = store::Store::Open(g.root, store::Store::Mode::kWrite);
    store::registry::PushOptions push;
    if (options.progress != builder::Progress::kQuiet) {
      push.progress = [](const std::string& line) { std::cout << line << std::endl; };
    }
    for (const std::string& tag : options.tags) {
      store::registry::PushImage(pusher, store::registry::ImageReference::Parse(tag), push);
    }
  }
  return 0;
}

}  // namespace ubuild::cli
