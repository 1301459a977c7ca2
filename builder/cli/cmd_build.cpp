// `ubuild [build] [OPTIONS] CONTEXT` — docker build's command line.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "builder/build.h"
#include "builder/cli/commands.h"
#include "store/base/error.h"
#include "store/reference_store.h"
#include "store/store.h"

namespace ubuild::cli {

namespace {

constexpr const char* kBuildUsage =
    "usage: ubuild [--root DIR] [build] [OPTIONS] CONTEXT\n"
    "  -t, --tag NAME[:TAG]     tag the image (repeatable)\n"
    "  -f, --file FILE          Dockerfile (default CONTEXT/Dockerfile; - reads stdin)\n"
    "      --build-arg K[=V]    set a build arg (K alone takes $K from the environment)\n"
    "      --target STAGE       build up to this stage\n"
    "      --no-cache           do not use the build cache\n"
    "      --network host|none  network for RUN (default host)\n"
    "      --label K=V          add a label to the image (repeatable)\n"
    "      --iidfile FILE       write the image id to FILE\n"
    "  -q, --quiet              print only the image id\n"
    "      --progress MODE      auto, plain or quiet\n";

}  // namespace

int CmdBuild(const GlobalOptions& g, const Args& args) {
  builder::BuildOptions o;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      has_inline = true;
    }
    auto next = [&]() -> std::string {
      if (has_inline) return value;
      if (i + 1 >= args.size()) throw UsageError("option " + a + " needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kBuildUsage;
      return 0;
    } else if (a == "-t" || a == "--tag") {
      std::string tag = next();
      store::NormalizeReference(tag);  // a bad tag fails before any work
      o.tags.push_back(tag);
    } else if (a == "-f" || a == "--file") {
      std::string f = next();
      if (f == "-") {
        o.dockerfile_from_stdin = true;
      } else {
        o.dockerfile = f;
      }
    } else if (a == "--build-arg") {
      std::string kv = next();
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        // Docker: a bare name takes its value from the environment, if set.
        if (const char* v = std::getenv(kv.c_str())) o.build_args[kv] = v;
      } else {
        if (eq == 0) throw UsageError("--build-arg " + kv + ": the name is empty");
        o.build_args[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
    } else if (a == "--target") {
      o.target = next();
    } else if (a == "--no-cache") {
      o.no_cache = true;
    } else if (a == "--network") {
      std::string n = next();
      if (n == "none") {
        o.network_none = true;
      } else if (n != "host" && n != "default") {
        throw UsageError("--network " + n + ": ubuild supports host and none");
      }
    } else if (a == "--label") {
      std::string kv = next();
      auto eq = kv.find('=');
      o.labels[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    } else if (a == "--iidfile") {
      o.iidfile = next();
    } else if (a == "-q" || a == "--quiet") {
      o.progress = builder::Progress::kQuiet;
    } else if (a == "--progress") {
      std::string p = next();
      if (p == "quiet") {
        o.progress = builder::Progress::kQuiet;
      } else if (p == "plain") {
        o.progress = builder::Progress::kPlain;
      } else if (p != "auto" && p != "tty") {
        throw UsageError("--progress " + p + ": want auto, plain or quiet");
      }
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("unknown option " + a + " for build");
    } else {
      positional.push_back(args[i]);
    }
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
  if (o.dockerfile_from_stdin) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    o.dockerfile_text = ss.str();
  }
  store::Store store = store::Store::Open(g.root, store::Store::Mode::kWrite);
  builder::Build(o, store, std::cout);
  return 0;
}

}  // namespace ubuild::cli
