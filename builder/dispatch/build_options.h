#pragma once
// What `ubuild build` was asked to do, after the command line is parsed.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/copy/tar_entry_sums.h"
#include "builder/dispatch/build_secrets.h"
#include "builder/run/seccomp_option.h"
#include "builder/run/container_run.h"
#include "parser/platform_args.h"

namespace ubuild::builder {

// --progress: kAuto is kTty when stderr is a terminal, else kPlain.
enum class Progress { kAuto, kPlain, kQuiet, kTty, kRawJson };

// --build-context NAME=VALUE: what FROM NAME and COPY --from=NAME read
// when no stage has that name (BuildKit's named contexts).
struct NamedContext {
  bool is_image = false;      // docker-image://REF
  std::string image;          // REF, for an image
  std::filesystem::path dir;  // otherwise: a local directory (COPY --from only)
};

struct BuildOptions {
  std::filesystem::path context;
  std::filesystem::path dockerfile;     // empty: CONTEXT/Dockerfile
  bool dockerfile_from_stdin = false;   // -f -
  std::string dockerfile_text;          // filled when read from stdin
  std::vector<std::string> tags;        // normalized by the store when tagging
  std::map<std::string, std::string> build_args;
  std::string target;
  std::optional<parser::Platform> platform;  // --platform; nullopt: the host's, the config's as today
  bool no_cache = false;
  RunNetwork network = RunNetwork::kDefault;  // --network
  RunLimits run_limits;                       // --memory, --pids-limit
  std::map<std::string, std::string> labels;
  std::filesystem::path iidfile;
  Progress progress = Progress::kAuto;
  SeccompOption seccomp;                // --security-opt seccomp=...
  bool pull = false;  // --pull: ask the registry for every FROM image, even one in the store
  bool push = false;  // --push: push each tag after a successful build
  // A context unpacked or checked out for this build alone: its per-file
  // digest cache would only collect files named by a path never seen again.
  bool context_is_temporary = false;
  // A tar context (stdin or a file), which Docker's CLI sends as it is: the
  // daemon applies no .dockerignore to it and hashes COPY sources from the
  // archive's own headers (tar_entry_sums.h). Null for a directory.
  const TarEntrySums* context_tar_sums = nullptr;
  std::vector<ExtraHost> add_hosts;     // --add-host, for each RUN
  std::vector<RunUlimit> ulimits;       // --ulimit, for each RUN
  int64_t shm_bytes = 64 << 20;         // --shm-size, for each RUN
  std::map<std::string, NamedContext> named_contexts;  // --build-context, by lower-case name

  // The named context for a FROM or COPY --from word, if one has that name.
  const NamedContext* NamedContextFor(const std::string& word) const;
  std::vector<std::string> cache_from;  // --cache-from, as given (builder/registry_cache_option.h)
  std::vector<std::string> cache_to;    // --cache-to, as given
  // -o: the result is read from the store afterwards, so --push may not
  // leave an image whose layers are all in the --cache-from cache there.
  bool result_in_store = false;
  std::map<std::string, SecretSource> secrets;            // --secret, by id
  std::map<std::string, std::vector<std::string>> ssh;    // --ssh, by id: agent socket or key files
  bool allow_insecure = false;                            // --allow security.insecure
};

}  // namespace ubuild::builder
