// The seccomp filter in a real RUN container: installed by init before the
// user changes (so a non-root USER gets it too), not with no_new_privs, and
// chosen by the RunSpec's SeccompOption.
#include <gtest/gtest.h>

#include "builder/run/container_run.h"
#include "builder/run/seccomp_option.h"
#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::ReadFile;
using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

class SeccompRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("namespaces for the container");
    ubuild::testing::MakeBusyboxRootfs(rootfs());
  }
  fs::path rootfs() const { return dir_.path() / "rootfs"; }

  int Run(const std::string& script, const SeccompOption& seccomp, const std::string& user = "") {
    RunSpec spec;
    spec.rootfs = rootfs();
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = {"PATH=/bin"};
    spec.hostname = "seccomp-test";
    spec.user = user;
    spec.seccomp = seccomp;
    return RunInContainer(spec);
  }
  std::string Out() const { return ReadFile(rootfs() / "tmp/out"); }

  TempDir dir_;
};

TEST_F(SeccompRunTest, DefaultProfileRefusesUserNamespaces) {
  EXPECT_NE(Run("busybox unshare -U true 2>/dev/null", SeccompOption{}), 0);
  EXPECT_EQ(Run("busybox unshare -U true 2>/dev/null", SeccompOption::FromValue("unconfined")), 0);
}

TEST_F(SeccompRunTest, FilterHoldsForNonRootUsersWithoutNoNewPrivs) {
  ASSERT_EQ(Run("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status > /tmp/out", SeccompOption{}, "nobody"), 0);
  EXPECT_EQ(Out(), "NoNewPrivs:\t0\nSeccomp:\t2\n");
  ASSERT_EQ(Run("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status > /tmp/out", SeccompOption::FromValue("unconfined"),
                "nobody"),
            0);
  EXPECT_EQ(Out(), "NoNewPrivs:\t0\nSeccomp:\t0\n");
}

TEST_F(SeccompRunTest, ProfileFileDecidesWhatFails) {
  const fs::path profile = dir_.path() / "no-mkdir.json";
  WriteFile(profile, R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]})");
  ASSERT_EQ(Run("mkdir /tmp/d 2> /tmp/out; echo $? >> /tmp/out", SeccompOption::FromValue(profile.string())), 0);
  EXPECT_EQ(Out(), "mkdir: can't create directory '/tmp/d': Read-only file system\n1\n");
  EXPECT_FALSE(fs::exists(rootfs() / "tmp/d"));
}

TEST_F(SeccompRunTest, UnreadableProfileFileIsAnError) {
  const std::string missing = (dir_.path() / "missing.json").string();
  try {
    SeccompOption::FromValue(missing);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), missing + ": cannot open the seccomp profile: No such file or directory");
  }
}

}  // namespace
}  // namespace ubuild::builder
