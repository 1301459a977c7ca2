#pragma once
// The link between the SIGINT/SIGTERM handler and the containers that are
// running: the handler itself SIGKILLs each container's PID-namespace init,
// which takes its whole process tree down with it (the kernel kills every
// process of a PID namespace when its init dies).
#include <sys/types.h>

namespace ubuild::builder {

// Installs the SIGINT/SIGTERM handler. Once a signal came, running containers
// are killed and RunInContainer throws Error with exit code 130/143.
void InstallInterruptHandlers();
int InterruptSignal();  // the signal that came, 0 if none yet

// While alive, `init_pid` is killed by an interrupt; if one came already, it
// is killed at once. Several containers may run at a time (parallel stages).
class RunningContainer {
 public:
  explicit RunningContainer(pid_t init_pid);
  ~RunningContainer();
  RunningContainer(const RunningContainer&) = delete;
  RunningContainer& operator=(const RunningContainer&) = delete;

 private:
  int slot_ = -1;
  pid_t pid_;
};

// The exit code for an interrupt by `sig`: 130 for SIGINT, 143 for SIGTERM.
int InterruptExitCode(int sig);

}  // namespace ubuild::builder
