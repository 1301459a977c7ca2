#include "builder/run/interrupt.h"

#include <signal.h>

#include <atomic>


namespace ubuild::builder {
namespace {

constexpr int kSlots = 64;
std::atomic<int> g_signal{0};
std::atomic<pid_t> g_running[kSlots];
static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler needs lock-free atomics");

void OnInterrupt(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);
  for (auto& slot : g_running) {
    const pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
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

int InterruptSignal() { return g_signal.load(); }

RunningContainer::RunningContainer(pid_t init_pid) : pid_(init_pid) {
  for (int i = 0; i < kSlots; ++i) {
    pid_t empty = 0;
    if (g_running[i].compare_exchange_strong(empty, init_pid)) {
      slot_ = i;
      break;
    }
  }
  // A signal that came before registration found no pid to kill. (With
  // every slot taken, PR_SET_PDEATHSIG still ends it when ubuild exits.)
  if (g_signal.load() != 0) ::kill(pid_, SIGKILL);
}

RunningContainer::~RunningContainer() {
  if (slot_ >= 0) g_running[slot_].store(0);
}

int InterruptExitCode(int sig) { return 128 + sig; }

}  // namespace ubuild::builder
