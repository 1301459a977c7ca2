#include "builder/run/container_run.h"
#include "builder/run/interrupt.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <functional>
#include <memory>
#include <thread>

#include "builder/rootfs/overlay_mount.h"
#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::ListTree;
using ubuild::testing::ReadFile;
using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

const std::vector<std::string> kEnv = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                       "FOO=bar baz"};

// Host pids whose command line is exactly `argv`.
std::vector<pid_t> FindProcesses(const std::string& cmdline_nul_joined) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    if (ReadFile(fs::path("/proc") / e->d_name / "cmdline") == cmdline_nul_joined) out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

int CountMountsUnder(const fs::path& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.find(" " + dir.string() + "/") != std::string::npos;
  return n;
}

class ContainerRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("overlay mounts and namespaces for the container");
    ubuild::testing::MakeBusyboxRootfs(P("lower"));
    for (const char* d : {"upper", "work", "merged"}) fs::create_directories(P(d));
  }
  void Mount() { mount_ = std::make_unique<OverlayMount>(std::vector<fs::path>{P("lower")}, P("upper"), P("work"), P("merged")); }
  void Unmount() { mount_.reset(); }
  fs::path P(const std::string& rel) const { return dir_.path() / rel; }

  RunSpec Spec(const std::string& script) const {
    RunSpec spec;
    spec.rootfs = P("merged");
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = kEnv;
    spec.hostname = "ubuild-test";
    return spec;
  }
  int Run(const std::string& script, const std::function<void(RunSpec&)>& tweak = {}) {
    if (!mount_) Mount();
    RunSpec spec = Spec(script);
    if (tweak) tweak(spec);
    return RunInContainer(spec);
  }
  std::string Out(const std::string& name) { return ReadFile(P("merged/tmp") / name); }

  TempDir dir_;
  std::unique_ptr<OverlayMount> mount_;
};

TEST_F(ContainerRunTest, TrueLeavesAnEmptyUpperdir) {
  ASSERT_EQ(Run("true"), 0);
  EXPECT_EQ(CountMountsUnder(P("merged")), 0);
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{});
}

TEST_F(ContainerRunTest, TouchGivesOnlyTheFileAndItsParent) {
  ASSERT_EQ(Run("touch /tmp/x"), 0);
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"tmp", "tmp/x"}));
}

// Mount points under an existing lower /etc: overlay copies etc/ up to hold
// them; it must go again when the RUN did not write there...
TEST_F(ContainerRunTest, WritesIntoEtcKeepEtcButNotTheMountPoints) {
  ASSERT_EQ(Run("echo hi > /etc/motd"), 0);
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"etc", "etc/motd"}));
}

// ...and files that exist below are mounted over without being copied up.
TEST_F(ContainerRunTest, ExistingEtcFilesAreShadowedNotCopied) {
  WriteFile(P("lower/etc/hosts"), "10.9.9.9 image-hosts\n");
  WriteFile(P("lower/etc/hostname"), "image\n");
  fs::create_directories(P("lower/proc"));
  ASSERT_EQ(Run("cat /etc/hosts > /tmp/hosts; cat /etc/hostname > /tmp/hostname; hostname > /tmp/uts;"
                " echo more >> /etc/hosts"),
            0);
  EXPECT_NE(Out("hosts").find("127.0.0.1\tlocalhost\n"), std::string::npos) << Out("hosts");
  EXPECT_NE(Out("hosts").find("ubuild-test"), std::string::npos);
  EXPECT_EQ(Out("hosts").find("image-hosts"), std::string::npos);
  EXPECT_EQ(Out("hostname"), "ubuild-test\n");
  EXPECT_EQ(Out("uts"), "ubuild-test\n");
  Unmount();
  EXPECT_EQ(ReadFile(P("lower/etc/hosts")), "10.9.9.9 image-hosts\n");
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"tmp", "tmp/hostname", "tmp/hosts", "tmp/uts"}));
}

// A resolv.conf symlink pointing nowhere (systemd style) is followed inside
// the rootfs; everything created to mount on is taken back out.
TEST_F(ContainerRunTest, DanglingSymlinkMountPointIsResolvedInsideAndCleaned) {
  fs::create_symlink("/run/systemd/resolve/stub-resolv.conf", P("lower/etc/resolv.conf"));
  ASSERT_EQ(Run("cat /etc/resolv.conf > /tmp/resolv"), 0);
  EXPECT_EQ(Out("resolv"), ReadFile("/etc/resolv.conf"));
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"tmp", "tmp/resolv"}));
}

// A plain directory as rootfs is its own diff: the mount points go again too.
TEST_F(ContainerRunTest, PlainDirectoryRootfsIsCleanedToo) {
  const auto before = ListTree(P("lower"));
  RunSpec spec = Spec("touch /tmp/plain");
  spec.rootfs = P("lower");
  ASSERT_EQ(RunInContainer(spec), 0);
  auto expected = before;
  expected.push_back("tmp/plain");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ListTree(P("lower")), expected);
}

// Reached through a symlink, the overlay is still recognised, so the copied
// up etc/ is taken back out.
TEST_F(ContainerRunTest, RootfsThroughASymlink) {
  Mount();
  fs::create_symlink(P("merged"), P("merged-link"));
  RunSpec spec = Spec("true");
  spec.rootfs = P("merged-link");
  ASSERT_EQ(RunInContainer(spec), 0);
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{});
}

TEST_F(ContainerRunTest, ExitCodesAndSignals) {
  EXPECT_EQ(Run("exit 3"), 3);
  EXPECT_EQ(Run("false"), 1);
  // PID 1 ignores signals it has no handler for, even SIGKILL from inside its
  // namespace, as in Docker; from the host SIGKILL still works.
  std::thread killer([] {
    for (int i = 0; i < 100; ++i) {
      auto pids = FindProcesses(std::string("sleep\0" "31337\0", 12));
      if (!pids.empty()) {
        ::kill(pids.front(), SIGKILL);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const int rc = Run("exec sleep 31337");
  killer.join();
  EXPECT_EQ(rc, 128 + SIGKILL);
}

TEST_F(ContainerRunTest, MissingExecutableIs127WithAMessage) {
  Mount();
  const fs::path err = P("stderr");
  const int saved = ::dup(2);
  const int fd = ::open(err.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ::dup2(fd, 2);
  ::close(fd);
  RunSpec spec = Spec("");
  spec.argv = {"no-such-tool", "x"};
  const int rc = RunInContainer(spec);
  spec.argv = {"/bin/missing"};
  const int rc2 = RunInContainer(spec);
  spec.argv = {"/etc/passwd"};
  const int rc3 = RunInContainer(spec);
  ::dup2(saved, 2);
  ::close(saved);
  EXPECT_EQ(rc, 127);
  EXPECT_EQ(rc2, 127);
  EXPECT_EQ(rc3, 126);
  EXPECT_EQ(ReadFile(err),
            "exec: \"no-such-tool\": executable file not found in $PATH\n"
            "exec: \"/bin/missing\": stat /bin/missing: no such file or directory\n"
            "exec: \"/etc/passwd\": permission denied\n");
}

// Output streams live through the inherited descriptors, after whatever the
// builder had buffered.
TEST_F(ContainerRunTest, OutputGoesStraightToOurStdoutInOrder) {
  Mount();
  const fs::path out = P("stdout");
  std::cout.flush();
  const int saved = ::dup(1);
  const int fd = ::open(out.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::close(fd);
  std::cout << "Step 1/1 : RUN echo during\n";
  const int rc = RunInContainer(Spec("echo during; echo to-stderr >&2"));
  std::cout << "after\n";
  std::cout.flush();
  ::dup2(saved, 1);
  ::close(saved);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(ReadFile(out), "Step 1/1 : RUN echo during\nduring\nafter\n");
}

TEST_F(ContainerRunTest, ExecFormSearchesTheContainersPath) {
  Mount();
  RunSpec spec = Spec("");
  spec.argv = {"touch", "/tmp/exec-form"};
  EXPECT_EQ(RunInContainer(spec), 0);
  EXPECT_TRUE(fs::exists(P("merged/tmp/exec-form")));
}

TEST_F(ContainerRunTest, EnvironmentIsExactlyTheSpec) {
  ASSERT_EQ(Run("env > /tmp/env"), 0);
  std::string expected;
  for (const auto& e : kEnv) expected += e + "\n";
  std::string got = Out("env");
  // busybox sh exports PWD (and SHLVL) by itself.
  std::string filtered;
  std::istringstream in(got);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("PWD=", 0) != 0 && line.rfind("SHLVL=", 0) != 0) filtered += line + "\n";
  }
  EXPECT_EQ(filtered, expected) << got;
}

TEST_F(ContainerRunTest, OwnPidNamespaceAndProc) {
  ASSERT_EQ(Run("echo $$ > /tmp/pid; ls /proc | grep '^[0-9]' | sort -n | tail -n 1 > /tmp/maxpid"), 0);
  EXPECT_EQ(Out("pid"), "1\n");
  // Only this namespace's few processes are visible, not the host's.
  EXPECT_LT(std::stoi(Out("maxpid")), 10) << Out("maxpid");
}

TEST_F(ContainerRunTest, DevHasTheStandardNodes) {
  ASSERT_EQ(Run("for n in null zero full random urandom tty; do test -c /dev/$n || echo missing $n; done > /tmp/dev;"
                " echo x > /dev/null; test -d /dev/pts && test -d /dev/shm && test -L /dev/ptmx && echo ok >> /tmp/dev;"
                " test -e /dev/sda || echo no-host-disks >> /tmp/dev; stat -c %a /dev/null >> /tmp/dev"),
            0);
  EXPECT_EQ(Out("dev"), "ok\nno-host-disks\n666\n");
}

TEST_F(ContainerRunTest, UserAndGroupsFromTheImage) {
  ASSERT_EQ(Run("id -u > /tmp/id; id -g >> /tmp/id; id -G >> /tmp/id; touch /tmp/mine",
                [](RunSpec& s) { s.user = "app"; }),
            0);
  EXPECT_EQ(Out("id"), "1000\n1000\n1000 2000 2001\n");
  struct stat st {};
  ASSERT_EQ(::stat(P("merged/tmp/mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1000u);
}

TEST_F(ContainerRunTest, UnknownUserIsASetupError) {
  Mount();
  RunSpec spec = Spec("true");
  spec.user = "ghost";
  try {
    RunInContainer(spec);
    FAIL() << "ran as an unknown user";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "unable to find user ghost: no matching entries in passwd file");
  }
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{});
}

TEST_F(ContainerRunTest, CapabilitiesAreDockersDefault) {
  ASSERT_EQ(Run("grep -E '^Cap(Bnd|Eff|Inh)' /proc/self/status > /tmp/caps; mount -t tmpfs none /tmp 2>/dev/null ||"
                " echo refused >> /tmp/caps"),
            0);
  EXPECT_EQ(Out("caps"), "CapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nrefused\n");
  ASSERT_EQ(Run("grep -E '^Cap(Bnd|Eff)' /proc/self/status > /tmp/caps2", [](RunSpec& s) { s.user = "app"; }), 0);
  EXPECT_EQ(Out("caps2"), "CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\n");
}

TEST_F(ContainerRunTest, KernelInternalsAreMaskedAndProcSysReadOnly) {
  ASSERT_EQ(Run("wc -c < /proc/timer_list > /tmp/timer_list; ls /proc/acpi | wc -l > /tmp/acpi; echo 1 > /proc/sys/kernel/hostname 2>/dev/null || echo ro > /tmp/ro;"
                " ls /sys/firmware | wc -l > /tmp/fw; cat /proc/sys/kernel/ostype > /tmp/ostype"),
            0);
  // Present on every kernel with CONFIG_TIMER_LIST / ACPI; hidden here.
  if (fs::exists("/proc/timer_list")) { EXPECT_EQ(Out("timer_list"), "0\n"); }
  if (fs::exists("/proc/acpi")) { EXPECT_EQ(Out("acpi"), "0\n"); }
  EXPECT_EQ(Out("ro"), "ro\n");
  if (fs::exists("/sys/firmware")) { EXPECT_EQ(Out("fw"), "0\n"); }
  EXPECT_EQ(Out("ostype"), "Linux\n");
}

TEST_F(ContainerRunTest, MissingWorkdirAndVolumesAreCreatedInTheLayer) {
  ASSERT_EQ(Run("pwd > /tmp/pwd", [](RunSpec& s) {
              s.workdir = "/srv/app";
              s.volumes = {"/data"};
            }),
            0);
  EXPECT_EQ(Out("pwd"), "/srv/app\n");
  Unmount();
  EXPECT_EQ(ListTree(P("upper")), (std::vector<std::string>{"data", "srv", "srv/app", "tmp", "tmp/pwd"}));
  struct stat st {};
  ASSERT_EQ(::stat(P("upper/srv/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(ContainerRunTest, NetworkNoneHasOnlyLoopbackUp) {
  ASSERT_EQ(Run("ls /sys/class/net > /tmp/net; cat /sys/class/net/lo/operstate > /tmp/lo; grep -c : /proc/net/dev > /tmp/n",
                [](RunSpec& s) { s.network_none = true; }),
            0);
  EXPECT_EQ(Out("net"), "lo\n");
  EXPECT_EQ(Out("n"), "1\n");
  EXPECT_EQ(Out("lo"), "unknown\n");  // lo reports "unknown" when up
}

TEST_F(ContainerRunTest, StdinIsEmpty) {
  ASSERT_EQ(Run("cat > /tmp/in; echo $? >> /tmp/in"), 0);
  EXPECT_EQ(Out("in"), "0\n");
}

TEST_F(ContainerRunTest, SetupFailureIsAnError) {
  Mount();
  RunSpec spec = Spec("true");
  spec.workdir = "/bin/busybox/sub";
  EXPECT_THROW(RunInContainer(spec), Error);
}

// SIGTERM while a RUN is running: the whole process tree dies, RunInContainer
// throws "interrupted" with exit code 143. Runs in a child process (the
// handler state is process-wide).
TEST_F(ContainerRunTest, InterruptKillsTheWholeTree) {
  Mount();
  const std::string marker = std::string("sleep\0" "31338\0", 12);
  ASSERT_EXIT(
      {
        InstallInterruptHandlers();
        std::thread([] {
          std::this_thread::sleep_for(std::chrono::milliseconds(600));
          ::kill(::getpid(), SIGTERM);
        }).detach();
        try {
          RunInContainer(Spec("sleep 31338 & sleep 31338 & wait"));
        } catch (const Error& e) {
          ::_exit(std::string(e.what()) == "interrupted" && InterruptSignal() == SIGTERM ? e.exit_code() : 1);
        }
        ::_exit(2);
      },
      ::testing::ExitedWithCode(143), "");
  // The kernel reaps the namespace asynchronously; give it a moment.
  for (int i = 0; i < 50 && !FindProcesses(marker).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(FindProcesses(marker).empty());
  EXPECT_EQ(CountMountsUnder(P("merged")), 0);
}

// Two RUNs at once (parallel stages): one SIGINT stops both.
TEST_F(ContainerRunTest, InterruptKillsEveryRunningContainer) {
  Mount();
  for (const char* d : {"upper2", "work2", "merged2"}) fs::create_directories(P(d));
  OverlayMount second({P("lower")}, P("upper2"), P("work2"), P("merged2"));
  const std::string marker = std::string("sleep\0" "31339\0", 12);
  auto body = [&] {
    InstallInterruptHandlers();
    std::atomic<int> codes[2] = {0, 0};
    auto run = [&](int i, const fs::path& rootfs) {
      RunSpec spec = Spec("sleep 31339");
      spec.rootfs = rootfs;
      try {
        codes[i] = RunInContainer(spec);
      } catch (const Error& e) {
        codes[i] = e.exit_code();
      }
    };
    std::thread a(run, 0, P("merged"));
    std::thread b(run, 1, P("merged2"));
    for (int i = 0; i < 200 && FindProcesses(marker).size() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(::getpid(), SIGINT);
    a.join();
    b.join();
    ::_exit(codes[0] == 130 && codes[1] == 130 ? 130 : 1);
  };
  ASSERT_EXIT(body(),
      ::testing::ExitedWithCode(130), "");
  for (int i = 0; i < 50 && !FindProcesses(marker).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(FindProcesses(marker).empty());
}

}  // namespace
}  // namespace ubuild::builder
