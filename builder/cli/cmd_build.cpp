// `ubuild [build] [OPTIONS] CONTEXT` — docker build's command line.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "builder/build.h"
#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/dockerfile_lookup.h"
#include "builder/dispatch/build_secrets.h"
#include "builder/run/seccomp_option.h"
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

// docker's RAMInBytes: a number with an optional b, k, m, g, t or p suffix
// (powers of 1024, any case, "b" may follow the unit).
int64_t ByteSize(const std::string& v) {
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  std::string unit = v.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  const std::string units = "bkmgtp";
  const size_t power = unit.empty() ? 0 : units.find(unit);
  if (digits == 0 || digits > 18 || unit.size() > 1 || power == std::string::npos) {
    throw UsageError("--memory " + v + ": want a size such as 512m or 2g");
  }
  int64_t bytes = std::stoll(v.substr(0, digits));
  for (size_t i = 0; i < power; ++i) {
    if (bytes > (INT64_MAX >> 10)) throw UsageError("--memory " + v + ": too large");
    bytes <<= 10;
  }
  // Docker's floor: below it a container cannot even start.
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
    auto eq = v.find('=');
    if (eq == std::string::npos) {
      // Docker: a bare name takes its value from the environment, if set.
      if (const char* env = std::getenv(v.c_str())) o.build_args[v] = env;
    } else {
      if (eq == 0) throw UsageError("--build-arg " + v + ": the name is empty");
      o.build_args[v.substr(0, eq)] = v.substr(eq + 1);
    }
  } else if (flag == "target") {
    o.target = v;
  } else if (flag == "no-cache") {
    o.no_cache = true;
  } else if (flag == "pull") {
    o.pull = true;
  } else if (flag == "push") {
    o.push = true;
  } else if (flag == "network") {
    o.network = NetworkMode(v);
  } else if (flag == "memory") {
    o.run_limits.memory_bytes = ByteSize(v);
  } else if (flag == "pids-limit") {
    o.run_limits.pids = PidsLimit(v);
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
    if (v == "quiet") {
      o.progress = builder::Progress::kQuiet;
    } else if (v == "plain") {
      o.progress = builder::Progress::kPlain;
    } else if (v != "auto" && v != "tty") {
      throw UsageError("--progress " + v + ": want auto, plain or quiet");
    }
  }
}

// The build's options. Flags act in the order given: a bad tag fails before
// a later unknown flag, and --tag, --build-arg and --label repeat.
builder::BuildOptions ReadOptions(const Args& args) {
  builder::BuildOptions o;
  std::vector<std::string> positional;
  FlagReader reader("build", args, BuildFlags());
  FlagItem item;
  try {
    while (reader.Next(&item)) {
      if (item.flag == nullptr) {
        positional.push_back(item.value);
      } else {
        ApplyFlag(o, item.flag->long_name, item.value);
      }
    }
  } catch (const FlagError& e) {
    // build's own wording, which predates the shared parser's.
    if (e.kind == FlagError::Kind::kNeedsValue) throw UsageError("option " + e.word + " needs a value");
    throw UsageError("unknown option " + e.word + " for build");
  }
  if (positional.size() != 1) {
    throw UsageError(positional.empty() ? "build needs a CONTEXT directory (e.g. .)"
                                        : "build takes one CONTEXT, got " + std::to_string(positional.size()));
  }
  o.context = positional[0];
  std::error_code ec;
  if (!std::filesystem::is_directory(o.context, ec)) {
    throw Error("the build context is not a directory", o.context.string());
  }
  if (o.dockerfile.empty() && !o.dockerfile_from_stdin) o.dockerfile = FindDockerfile(o.context);
  if (o.dockerfile_from_stdin) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    o.dockerfile_text = ss.str();
  }
  return o;
}

}  // namespace

const std::vector<FlagSpec>& BuildFlags() {
  static const std::vector<FlagSpec> flags = {
      {"tag", 't', true, "NAME[:TAG]", "Name and optionally a tag for the image (repeatable)"},
      {"file", 'f', true, "FILE", "The Dockerfile (default: CONTEXT/Dockerfile, dockerfile or Containerfile; - reads standard input)"},
      {"build-arg", 0, true, "K[=V]", "Set a build arg (K alone takes $K from the environment)"},
      {"target", 0, true, "STAGE", "Build up to this stage"},
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
      {"progress", 0, true, "MODE", "auto, plain or quiet"},
      {"pull", 0, false, "", "Pull every FROM image, even one in the store"},
      {"push", 0, false, "", "Push each -t name after the build"},
  };
  return flags;
}

int CmdBuild(const GlobalOptions& g, const Args& args) {
  const builder::BuildOptions options = ReadOptions(args);
  if (options.push && options.tags.empty()) throw UsageError("--push needs a name to push: add -t NAME[:TAG]");
  // Steps run outside ROOT/lock, so builds go side by side (store.h).
  store::Store store = store::Store::Open(g.root, store::Store::Mode::kConcurrent);
  builder::Build(options, store, std::cout);
  if (options.push) {
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
