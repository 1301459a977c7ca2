#include "builder/run/seccomp_option.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>

#include "builder/run/seccomp_profile.h"
#include "builder/run/seccomp_target.h"
#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace {

// Docker's test (pkg/sysinfo): a kernel with CONFIG_SECCOMP answers
// PR_GET_SECCOMP, and one with CONFIG_SECCOMP_FILTER rejects a null filter
// with EFAULT rather than EINVAL.
bool KernelHasSeccompFilters() {
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) return false;
  return !(::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr, 0, 0) < 0 && errno == EINVAL);
}

}  // namespace

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
  static const bool supported = KernelHasSeccompFilters();
  const bool builtin = option.kind == SeccompOption::kDockerDefault;
  // As Docker does on such kernels: no default filter, but no profile
  // silently ignored either.
  if (!supported && !builtin) throw Error("seccomp is not enabled in this kernel, cannot apply a profile", option.file);
  if (!supported) {
    static std::once_flag warned;
    std::call_once(warned, [] {
      std::cerr << "ubuild: warning: seccomp is not enabled in this kernel, "
                   "RUN goes without Docker's default profile\n";
    });
    return {};
  }
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
