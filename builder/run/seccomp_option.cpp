#include "builder/run/seccomp_option.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "builder/run/seccomp_profile.h"
#include "builder/run/seccomp_target.h"
#include "store/base/error.h"

namespace ubuild::builder {

SeccompOption SeccompOption::FromValue(const std::string& value) {
  SeccompOption option;
  if (value == "unconfined") {
    option.kind = kUnconfined;
    return option;
  }
  option.kind = kProfileFile;
  option.file = value;
  std::ifstream in(value, std::ios::binary);
  if (!in) throw Error("cannot open the seccomp profile", value);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw Error("cannot read the seccomp profile", value);
  option.json = content.str();
  return option;
}

SeccompProgram SeccompProgramFor(const SeccompOption& option) {
  if (option.kind == SeccompOption::kUnconfined) return {};
  // Compiling takes about 10 ms (mostly libseccomp), and every RUN of a
  // build asks for the same program on the same host.
  static std::mutex mutex;
  static std::map<std::string, SeccompProgram> compiled;  // by profile text
  const bool builtin = option.kind == SeccompOption::kDockerDefault;
  const std::string_view json = builtin ? DockerDefaultSeccompProfile() : std::string_view(option.json);
  const std::lock_guard lock(mutex);
  if (auto it = compiled.find(std::string(json)); it != compiled.end()) return it->second;
  const std::optional<SeccompFilterSpec> spec =
      ResolveSeccompProfile(json, builtin ? "builtin default.json" : option.file, SeccompTarget::ForRun());
  SeccompProgram program = spec ? CompileSeccompProgram(*spec) : SeccompProgram{};
  compiled.emplace(json, program);
  return program;
}

}  // namespace ubuild::builder
