#include "builder/run/seccomp_program.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "builder/run/capabilities.h"
#include "builder/run/seccomp_option.h"
#include "builder/run/seccomp_target.h"

namespace ubuild::builder {
namespace {

SeccompProgram Compile(std::string_view json) {
  SeccompTarget target = SeccompTarget::ForRun();
  auto spec = ResolveSeccompProfile(json, "test profile", target);
  EXPECT_TRUE(spec.has_value());
  return CompileSeccompProgram(spec.value_or(SeccompFilterSpec{}));
}

// The errno a raw syscall gives (0 when it succeeds).
int ErrnoOf(long rc) { return rc < 0 ? errno : 0; }

// Runs `probe` in a child that installs `program` first (with no_new_privs,
// so the test needs no root); returns the child's wait status. The probe
// returns 0 when everything it checked held, else the number of the failed
// check, which becomes the exit code.
int InChild(const SeccompProgram& program, const std::function<int()>& probe) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (LoadSeccompProgram(program) != 0) ::_exit(100);
    ::_exit(probe());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

#if defined(__x86_64__)
// Docker's default profile as a RUN gets it: namespaces refused with EPERM
// whether asked for by unshare or by clone, clone3 and syscalls newer than
// the profile answer ENOSYS (so libcs fall back), ordinary work passes.
TEST(SeccompProgram, DockerDefaultRefusesNamespacesAndAllowsOrdinaryCalls) {
  const SeccompProgram program = SeccompProgramFor(SeccompOption{});
  ASSERT_FALSE(program.instructions.empty());
  const int status = InChild(program, [] {
    if (ErrnoOf(::syscall(SYS_unshare, CLONE_NEWUSER)) != EPERM) return 1;
    if (ErrnoOf(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0)) != EPERM) return 2;
    if (ErrnoOf(::syscall(SYS_clone3, nullptr, 0)) != ENOSYS) return 3;
    if (ErrnoOf(::syscall(452 /* fchmodat2, Linux 6.6 */, -1, "", 0, 0)) != ENOSYS) return 4;
    if (ErrnoOf(::syscall(SYS_mount, "none", "/", "tmpfs", 0, nullptr)) != EPERM) return 5;
    if (ErrnoOf(::syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */)) != EPERM) return 6;
    if (ErrnoOf(::syscall(SYS_personality, 0xffffffffUL)) != 0) return 7;  // a query: allowed
    if (ErrnoOf(::syscall(SYS_keyctl, 0, 0, 0, 0, 0)) != EPERM) return 8;
    if (ErrnoOf(::syscall(SYS_getppid)) != 0) return 9;
    // A fork without namespace flags still works.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    if (child < 0 || ::waitpid(child, nullptr, 0) != child) return 10;
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// runc's ENOSYS stub: with a denying default, syscalls numbered above the
// newest one named answer ENOSYS, those below get the default errno.
TEST(SeccompProgram, NewerSyscallsThanTheProfileNamesGetEnosys) {
  const SeccompProgram program = Compile(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["exit_group", "getpid", "no_such_syscall"], "action": "SCMP_ACT_ALLOW"}]})");
  const int status = InChild(program, [] {
    if (ErrnoOf(::syscall(SYS_getpid)) != 0) return 1;
    if (ErrnoOf(::syscall(SYS_getppid)) != EPERM) return 2;          // 110 < exit_group's 231
    if (ErrnoOf(::syscall(SYS_fanotify_init, 0, 0)) != ENOSYS) return 3;  // 300 > 231
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// Two conditions on one argument cannot be ANDed by libseccomp: runc adds
// one rule per condition, so either value passes.
TEST(SeccompProgram, ConditionsOnTheSameArgumentAreAlternatives) {
  const SeccompProgram program = Compile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30,
       "args": [{"index": 0, "value": 1000, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 320, "op": "SCMP_CMP_EQ"}]}]})");
  const int status = InChild(program, [] {
    if (ErrnoOf(::syscall(SYS_personality, 8)) != EACCES) return 1;
    if (ErrnoOf(::syscall(SYS_personality, 0)) != EACCES) return 2;
    if (ErrnoOf(::syscall(SYS_personality, 0xffffffffUL)) != 0) return 3;
    // Different arguments are ANDed: descriptor 1000 (not open) with mode 0500 only.
    if (ErrnoOf(::syscall(SYS_mkdirat, 1000L, "a", 0500L)) != EROFS) return 4;
    if (ErrnoOf(::syscall(SYS_mkdirat, 1000L, "a", 0700L)) != EBADF) return 5;
    if (ErrnoOf(::syscall(SYS_mkdirat, 1001L, "a", 0500L)) != EBADF) return 6;
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SeccompProgram, AllowingDefaultHasNoEnosysStub) {
  const SeccompProgram allow = Compile(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]})");
  const SeccompProgram deny = Compile(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ALLOW"}]})");
  // Same rules, same architectures: the stub is the difference.
  EXPECT_GT(deny.instructions.size(), allow.instructions.size());
  const int status = InChild(allow, [] { return ErrnoOf(::syscall(SYS_getppid)) == EPERM ? 0 : 1; });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

#endif

TEST(SeccompProgram, KillActionKillsWithSigsys) {
  const SeccompProgram program = Compile(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]})");
  const int status = InChild(program, [] {
    ::syscall(SYS_getppid);
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

TEST(SeccompProgram, UnconfinedIsNoProgramAndLoadsNothing) {
  SeccompOption unconfined = SeccompOption::FromValue("unconfined");
  const SeccompProgram program = SeccompProgramFor(unconfined);
  EXPECT_TRUE(program.instructions.empty());
  const int status = InChild(program, [] { return ::prctl(PR_GET_SECCOMP) == 0 ? 0 : 1; });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace ubuild::builder
