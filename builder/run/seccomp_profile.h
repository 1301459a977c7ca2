#pragma once
// Docker's seccomp profile format (moby's profiles/seccomp, Docker 20.10) and
// what Docker keeps of a profile for one container: its setupSeccomp picks
// the architectures of the host's archMap entry and drops the rules whose
// includes/excludes (capabilities, architecture, minimum kernel) do not fit,
// and runc then splits each rule into one rule per syscall name. The result
// is plain data; seccomp_program turns it into a BPF program.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/run/seccomp_target.h"

namespace ubuild::builder {

struct SeccompAction {
  enum Kind { kKillThread, kKillProcess, kTrap, kErrno, kTrace, kAllow, kLog };
  Kind kind = kErrno;
  unsigned errno_ret = 1;  // kErrno and kTrace: EPERM unless the profile says errnoRet

  bool operator==(const SeccompAction&) const = default;
};

struct SeccompArg {
  enum Op { kNotEqual, kLessThan, kLessOrEqual, kEqual, kGreaterOrEqual, kGreaterThan, kMaskedEqual };
  unsigned index = 0;  // 0..5
  Op op = kEqual;
  std::uint64_t value = 0;      // kMaskedEqual: the mask
  std::uint64_t value_two = 0;  // kMaskedEqual: what the masked argument must equal

  bool operator==(const SeccompArg&) const = default;
};

struct SeccompRule {
  std::string name;  // one syscall; names libseccomp does not know are kept (and skipped when compiling)
  SeccompAction action;
  std::vector<SeccompArg> args;
};

struct SeccompFilterSpec {
  SeccompAction default_action;
  std::vector<std::string> architectures;  // libseccomp words: "x86_64", "x86", "x32"
  std::vector<SeccompRule> rules;          // in profile order
};

// The profile narrowed for `target`; nullopt when the profile turns seccomp
// off as Docker reads it (no defaultAction and no syscalls). Throws
// ubuild::Error(<what is wrong, with its JSON path>, source) for a profile
// Docker or runc would refuse.
std::optional<SeccompFilterSpec> ResolveSeccompProfile(std::string_view json, const std::string& source,
                                                       const SeccompTarget& target);

}  // namespace ubuild::builder
