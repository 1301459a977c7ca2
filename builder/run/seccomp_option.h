#pragma once
// `--security-opt seccomp=unconfined|FILE`: the seccomp profile a build's
// RUN commands get. The default is Docker's (seccomp/default.json, compiled
// into the binary), as `docker run` applies it.
#include <string>

#include "builder/run/seccomp_program.h"

namespace ubuild::builder {

struct SeccompOption {
  enum Kind { kDockerDefault, kUnconfined, kProfileFile };
  Kind kind = kDockerDefault;
  std::string file;  // kProfileFile: its name, for errors
  std::string json;  // kProfileFile: its content, read once (Docker's CLI reads it too)

  // The value after "seccomp=": "unconfined" or a profile file, read now.
  static SeccompOption FromValue(const std::string& value);
};

// Docker 20.10's default profile, moby's profiles/seccomp/default.json.
std::string_view DockerDefaultSeccompProfile();

// The program a RUN on this host loads for `option`; empty when unconfined
// or when the profile turns seccomp off. Throws ubuild::Error naming the
// file and what is wrong with it.
SeccompProgram SeccompProgramFor(const SeccompOption& option);

}  // namespace ubuild::builder
