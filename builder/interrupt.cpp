#include "builder/interrupt.h"

#include <signal.h>

#include "builder/container_run.h"

namespace ubuild::builder {
namespace {

volatile sig_atomic_t g_signal = 0;
volatile sig_atomic_t g_container = 0;

void OnInterrupt(int sig) {
  if (g_signal == 0) g_signal = sig;
  const pid_t pid = g_container;
  if (pid > 0) ::kill(pid, SIGKILL);
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  // No SA_RESTART: a blocking read or wait in the builder returns EINTR and
  // gets to look at InterruptSignal().
  sa.sa_flags = 0;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

int InterruptSignal() { return g_signal; }

void SetRunningContainer(pid_t init_pid) {
  g_container = init_pid;
  // A signal that arrived while the container was being started found no pid to kill.
  if (init_pid > 0 && g_signal != 0) ::kill(init_pid, SIGKILL);
}

int InterruptExitCode(int sig) { return 128 + sig; }

}  // namespace ubuild::builder
