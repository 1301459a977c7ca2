#pragma once
// The facts about a container that decide which rules of a seccomp profile
// apply to it, in the words Docker's profile uses: the architecture as Go
// names it ("amd64", matched against includes/excludes "arches"), the
// profile's archMap key for it ("SCMP_ARCH_X86_64"), the bounding set's
// capability names ("CAP_CHOWN"), and the kernel's version and major
// revision (minKernel).
#include <string>
#include <vector>

namespace ubuild::builder {

struct SeccompTarget {
  std::string arch;          // "" where Docker 20.10 knows no word for the host
  std::string archmap_arch;  // "" likewise
  std::vector<std::string> capabilities;
  unsigned kernel = 0;
  unsigned major = 0;

  // A RUN on this host: libseccomp's native architecture, Docker's default
  // capability set (capabilities.h) and uname's release.
  static SeccompTarget ForRun();
};

// The names of the capabilities in `mask` (bit N = capability N), as
// Docker's profile spells them.
std::vector<std::string> CapabilityNames(unsigned long long mask);

}  // namespace ubuild::builder
