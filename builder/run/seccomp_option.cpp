#include "builder/run/seccomp_option.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "builder/run/seccomp_profile.h"
#include "builder/run/seccomp_target.h"
#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {

SeccompOption SeccompOption::FromValue(const std::string& value) {
  SeccompOption option;
  if (value == "unconfined") {
    option.kind = kUnconfined;
    return option;
  }
  option.kind = kProfileFile;
  option.file = value;
  const Fd fd(::open(value.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw Error(std::string("cannot open the seccomp profile: ") + std::strerror(errno), value);
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(std::string("cannot read the seccomp profile: ") + std::strerror(errno), value);
    option.json.append(buf, static_cast<size_t>(n));
  }
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
