#pragma once
// The link between the SIGINT/SIGTERM handler and the container that is
// running: the handler itself SIGKILLs the container's PID-namespace init,
// which takes the whole process tree down with it (the kernel kills every
// process of a PID namespace when its init dies).
#include <sys/types.h>

namespace ubuild::builder {

void SetRunningContainer(pid_t init_pid);  // 0 = none
// The exit code for an interrupt by `sig`: 130 for SIGINT, 143 for SIGTERM.
int InterruptExitCode(int sig);

}  // namespace ubuild::builder
