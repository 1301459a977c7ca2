#pragma once
// Whether the kernel can run another architecture's programs: a RUN for a
// platform that is not the host's executes its binaries through a
// binfmt_misc handler (qemu-user-static registers one per architecture).
// The handler is found as the kernel finds it, by matching each enabled
// entry's magic and mask against the ELF header such a binary starts with.
#include <filesystem>
#include <string>

namespace ubuild::builder {

// Why `architecture` (Go's name: arm64, arm, ppc64le ...) binaries cannot
// run here, or "" when an enabled handler takes them. `binfmt_misc` is the
// mounted binfmt_misc directory.
std::string MissingEmulator(const std::string& architecture,
                            const std::filesystem::path& binfmt_misc = "/proc/sys/fs/binfmt_misc");

// Whether the host runs `architecture` binaries itself (amd64 runs 386).
bool RunsNatively(const std::string& architecture, const std::string& host_architecture);

}  // namespace ubuild::builder
