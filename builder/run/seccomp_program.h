#pragma once
// A seccomp filter as the kernel takes it (classic BPF), built in the
// builder and only installed by the container's init, which must not
// allocate (container_plan.h).
#include <linux/filter.h>

#include <vector>

#include "builder/run/seccomp_profile.h"

namespace ubuild::builder {

struct SeccompProgram {
  std::vector<sock_filter> instructions;  // empty: no filter
};

// Built the way runc (under Docker) builds it: libseccomp compiles the rules,
// skipping syscall names it does not know, and rules whose action is the
// default action; then, unless the default action allows, a stub in front
// answers ENOSYS to every syscall newer than the newest one the rules name,
// so programs probing for new syscalls fall back instead of failing with
// the default errno. Throws ubuild::Error on what libseccomp refuses.
SeccompProgram CompileSeccompProgram(const SeccompFilterSpec& spec);

// Installs `program` on the calling process, without no_new_privs as runc
// does for Docker's containers, so a RUN's setuid programs (sudo, su) still
// work; that needs CAP_SYS_ADMIN, so it comes before the capabilities are
// dropped. Allocates nothing. Returns 0 or -errno.
int LoadSeccompProgram(const SeccompProgram& program);

}  // namespace ubuild::builder
