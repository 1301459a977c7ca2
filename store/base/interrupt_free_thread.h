#pragma once
// A helper thread that never takes SIGINT or SIGTERM: the build's interrupt
// handler (builder/run/interrupt.h) counts on the signal interrupting the
// main thread's blocking calls, which it cannot do if a display's timer or
// reader thread receives it instead. The mask is inherited at creation, so
// no window exists in which the new thread could take one.
#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace ubuild {

template <typename F>
std::thread InterruptFreeThread(F&& fn) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  std::thread t(std::forward<F>(fn));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

}  // namespace ubuild
