// `ubuild [build] [OPTIONS] CONTEXT` — docker build's command line.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "builder/build.h"
#include "builder/cli/command_args.h"
#include "builder/cli/commands.h"
#include "builder/cli/dockerfile_lookup.h"
#include "builder/run/seccomp_option.h"
#include "store/base/error.h"
#include "store/reference_store.h"
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
  } else if (flag == "network") {
    if (v == "none") {
      o.network_none = true;
    } else if (v != "host" && v != "default") {
      throw UsageError("--network " + v + ": ubuild supports host and none");
    }
  } else if (flag == "security-opt") {
    o.seccomp = ReadSecurityOpt(v);
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
      {"network", 0, true, "host|none", "Network for RUN (default host)"},
      {"label", 0, true, "K=V", "Add a label to the image (repeatable)"},
      {"security-opt", 0, true, "seccomp=unconfined|FILE", "Seccomp profile for RUN (default: Docker's)"},
      {"iidfile", 0, true, "FILE", "Write the image id to FILE"},
      {"quiet", 'q', false, "", "Print only the image id"},
      {"progress", 0, true, "MODE", "auto, plain or quiet"},
  };
  return flags;
}

int CmdBuild(const GlobalOptions& g, const Args& args) {
  const builder::BuildOptions options = ReadOptions(args);
  store::Store store = store::Store::Open(g.root, store::Store::Mode::kWrite);
  builder::Build(options, store, std::cout);
  return 0;
}

}  // namespace ubuild::cli
