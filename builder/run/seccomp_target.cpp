#include "builder/run/seccomp_target.h"

#include <seccomp.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <iterator>

#include "builder/run/capabilities.h"
#include "store/base/error.h"

namespace ubuild::builder {
namespace {

// linux/capability.h's numbering; Docker's profile spells them with CAP_.
constexpr const char* kCapabilityNames[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

struct ArchWords {
  uint32_t token;
  const char* go_arch;  // Docker's goToNative[runtime.GOARCH]
  const char* archmap;  // nativeToSeccomp of that
};

// Docker 20.10's two tables (profiles/seccomp/seccomp_linux.go) joined, for
// the architectures libseccomp can report as native.
constexpr ArchWords kArchWords[] = {
    {SCMP_ARCH_X86_64, "amd64", "SCMP_ARCH_X86_64"},
    {SCMP_ARCH_X86, "x86", "SCMP_ARCH_X86"},
    {SCMP_ARCH_AARCH64, "arm64", "SCMP_ARCH_AARCH64"},
    {SCMP_ARCH_ARM, "arm", "SCMP_ARCH_ARM"},
    {SCMP_ARCH_PPC64LE, "ppc64le", "SCMP_ARCH_PPC64LE"},
    {SCMP_ARCH_PPC64, "ppc64", "SCMP_ARCH_PPC64"},
    {SCMP_ARCH_PPC, "ppc", "SCMP_ARCH_PPC"},
    {SCMP_ARCH_S390X, "s390x", "SCMP_ARCH_S390X"},
    {SCMP_ARCH_S390, "s390", "SCMP_ARCH_S390"},
    {SCMP_ARCH_MIPS64, "mips64", "SCMP_ARCH_MIPS64"},
    {SCMP_ARCH_MIPSEL64, "mipsel64", "SCMP_ARCH_MIPSEL64"},
    {SCMP_ARCH_MIPSEL, "mipsle", "SCMP_ARCH_MIPSEL"},
};

}  // namespace

std::vector<std::string> CapabilityNames(unsigned long long mask) {
  std::vector<std::string> names;
  for (size_t cap = 0; cap < std::size(kCapabilityNames); ++cap) {
    if ((mask >> cap) & 1) names.emplace_back(kCapabilityNames[cap]);
  }
  return names;
}

SeccompTarget SeccompTarget::ForRun() {
  SeccompTarget target;
  const uint32_t native = seccomp_arch_native();
  for (const ArchWords& words : kArchWords) {
    if (words.token != native) continue;
    target.arch = words.go_arch;
    target.archmap_arch = words.archmap;
  }
  target.capabilities = CapabilityNames(kDockerDefaultCaps);
  utsname uts{};
  if (::uname(&uts) != 0) throw SysError("uname", "", errno);
  // Only the version and major revision count, as in Docker's parseRelease:
  // "6.1.0-18-amd64" and "6.1-rc5" are both 6.1.
  if (std::sscanf(uts.release, "%u.%u", &target.kernel, &target.major) != 2) {
    throw Error(std::string("cannot read the kernel version from \"") + uts.release + "\"", "seccomp");
  }
  return target;
}

}  // namespace ubuild::builder
