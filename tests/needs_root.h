#pragma once
// Tests that mount overlays, enter namespaces, chown to other users, make
// device nodes or drop privileges can only run as root. Elsewhere they skip
// with the reason instead of failing, so an unprivileged run still tells
// passing from broken; as root (CI) none of them skips.
#include <gtest/gtest.h>
#include <unistd.h>

// Skips the current test (or, in SetUp, the fixture's tests) unless root;
// WHY says what needs root.
#define UBUILD_SKIP_UNLESS_ROOT(why)                             \
  do {                                                           \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: " << why; \
  } while (0)
