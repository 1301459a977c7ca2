#pragma once
// What `ubuild build` was asked to do, after the command line is parsed.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/dispatch/build_secrets.h"
#include "builder/run/seccomp_option.h"
#include "builder/run/container_run.h"

namespace ubuild::builder {

enum class Progress { kAuto, kPlain, kQuiet };

struct BuildOptions {
  std::filesystem::path context;
  std::filesystem::path dockerfile;     // empty: CONTEXT/Dockerfile
  bool dockerfile_from_stdin = false;   // -f -
  std::string dockerfile_text;          // filled when read from stdin
  std::vector<std::string> tags;        // normalized by the store when tagging
  std::map<std::string, std::string> build_args;
  std::string target;
  bool no_cache = false;
  RunNetwork network = RunNetwork::kDefault;  // --network
  RunLimits run_limits;                       // --memory, --pids-limit
  std::map<std::string, std::string> labels;
  std::filesystem::path iidfile;
  Progress progress = Progress::kAuto;
  SeccompOption seccomp;                // --security-opt seccomp=...
  bool pull = false;  // --pull: ask the registry for every FROM image, even one in the store
  bool push = false;  // --push: push each tag after a successful build
  std::map<std::string, SecretSource> secrets;            // --secret, by id
  std::map<std::string, std::vector<std::string>> ssh;    // --ssh, by id: agent socket or key files
  bool allow_insecure = false;                            // --allow security.insecure
};

}  // namespace ubuild::builder
