#include "builder/run/container_run.h"
#include "builder/run/interrupt.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "builder/rootfs/overlay_mount.h"
#include "builder/run/user_mode_network.h"
#include "store/base/error.h"
#include "store/base/fd.h"
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

// `sleep N` with an N that no other process on the host sleeps: the tests
// below find their sleeps by command line among all the host's processes,
// and a fixed N made concurrent runs of this binary (ctest -j, another
// checkout's tests on the same machine) find and kill each other's, so one
// of them waited forever for a sleep that was gone.
struct OwnSleep {
  explicit OwnSleep(int which) : seconds(std::to_string(10'000'000 + ::getpid() * 3 + which)) {}
  std::string command() const { return "sleep " + seconds; }
  std::string cmdline() const { return std::string("sleep") + '\0' + seconds + '\0'; }
  std::string seconds;
};

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
  ASSERT_EQ(Run("cat /etc/resolv.conf > /tmp/resolv", [](RunSpec& s) { s.network = RunNetwork::kHost; }), 0);
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
  const OwnSleep own_sleep(0);
  std::thread killer([&own_sleep] {
    for (int i = 0; i < 100; ++i) {
      auto pids = FindProcesses(own_sleep.cmdline());
      if (!pids.empty()) {
        ::kill(pids.front(), SIGKILL);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const int rc = Run("exec " + own_sleep.command());
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
                [](RunSpec& s) { s.network = RunNetwork::kNone; }),
            0);
  EXPECT_EQ(Out("net"), "lo\n");
  EXPECT_EQ(Out("n"), "1\n");
  EXPECT_EQ(Out("lo"), "unknown\n");  // lo reports "unknown" when up
}

// The default network: lo and the user-mode stack's eth0 with a default
// route, the stack's DNS forwarder in resolv.conf (the host's search and
// options lines kept), the hostname at the container's own address.
TEST_F(ContainerRunTest, DefaultNetworkIsAUserModeStack) {
  ASSERT_EQ(Run("ls /sys/class/net > /tmp/net; ip route > /tmp/route; cat /etc/resolv.conf > /tmp/resolv;"
                " cat /etc/hosts > /tmp/hosts"),
            0);
  EXPECT_EQ(Out("net"), "eth0\nlo\n");
  EXPECT_NE(Out("route").find("default via "), std::string::npos) << Out("route");
  const UserModeStack stack = FindUserModeStack();
  EXPECT_EQ(Out("resolv").rfind("nameserver " + stack.nameserver + "\n", 0), 0u) << Out("resolv");
  EXPECT_EQ(Out("resolv").find("nameserver", 1), std::string::npos) << Out("resolv");
  if (stack.kind == UserModeStack::kSlirp4netns) {
    EXPECT_NE(Out("hosts").find("10.0.2.100\tubuild-test\n"), std::string::npos) << Out("hosts");
  }
}

// A service on the host's 127.0.0.1 is out of reach by default, through the
// container's own lo and through its gateway; with the host network it is
// reachable (the listener is real: the test would catch a dead probe).
// The gateway is tried only where it is slirp4netns's own 10.0.2.2: unit
// tests send nothing to the machine's real network.
class HostLoopbackProbe {
 public:
  explicit HostLoopbackProbe(const std::string& gateway) : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_.get(), 16), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
    script_ = ": > /tmp/reached; for a in 127.0.0.1 " + gateway + "; do nc -w 2 $a " + std::to_string(ntohs(addr.sin_port)) +
              " -e true && echo $a >> /tmp/reached; done; true";
  }
  const std::string& script() const { return script_; }

 private:
  Fd listener_;
  std::string script_;
};

TEST_F(ContainerRunTest, DefaultNetworkCannotReachTheHostLoopback) {
  ASSERT_EQ(FindUserModeStack().kind, UserModeStack::kSlirp4netns);
  HostLoopbackProbe probe("10.0.2.2");
  ASSERT_EQ(Run(probe.script()), 0);
  EXPECT_EQ(Out("reached"), "");
  HostLoopbackProbe host_probe("");
  ASSERT_EQ(Run(host_probe.script(), [](RunSpec& s) { s.network = RunNetwork::kHost; }), 0);
  EXPECT_EQ(Out("reached"), "127.0.0.1\n");
}

// The same with pasta, the stack taken where slirp4netns is not installed.
TEST_F(ContainerRunTest, PastaNetworkCannotReachTheHostLoopback) {
  if (::access("/usr/bin/pasta", X_OK) != 0) GTEST_SKIP() << "pasta (Debian passt) is not installed";
  fs::create_directories(P("pasta-only"));
  fs::create_symlink("/usr/bin/pasta", P("pasta-only/pasta"));
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", P("pasta-only").c_str(), 1);
  HostLoopbackProbe probe("");
  int rc = -1;
  std::string resolv;
  try {
    ASSERT_EQ(FindUserModeStack().kind, UserModeStack::kPasta);
    rc = Run(probe.script() + "; ls /sys/class/net > /tmp/net; cat /etc/resolv.conf > /tmp/resolv");
  } catch (...) {
    ::setenv("PATH", saved.c_str(), 1);
    throw;
  }
  ::setenv("PATH", saved.c_str(), 1);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(Out("reached"), "");
  EXPECT_EQ(Out("net"), "eth0\nlo\n");
  EXPECT_EQ(Out("resolv").rfind("nameserver 169.254.1.1\n", 0), 0u) << Out("resolv");
}

// No stack installed: a clear error before anything runs, naming both.
TEST_F(ContainerRunTest, DefaultNetworkWithoutAStackSaysWhatToInstall) {
  Mount();
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", P("empty").c_str(), 1);
  std::string message;
  try {
    RunInContainer(Spec("true"));
  } catch (const Error& e) {
    message = e.what();
  }
  ::setenv("PATH", saved.c_str(), 1);
  EXPECT_NE(message.find("slirp4netns or pasta"), std::string::npos) << message;
  EXPECT_NE(message.find("--network none"), std::string::npos) << message;
  EXPECT_EQ(ListTree(P("upper")), std::vector<std::string>{});
}

// The RUN cgroups under the builder's own cgroup in every v1 hierarchy and
// in the v2 one: none of this process's may outlive its RUN.
std::vector<fs::path> RunCgroupsOfThisProcess() {
  std::vector<fs::path> out;
  const std::string prefix = "ubuild-run-" + std::to_string(::getpid()) + "-";
  std::error_code ec;
  for (fs::recursive_directory_iterator it("/sys/fs/cgroup", ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory()) continue;
    if (it->path().filename().string().rfind(prefix, 0) == 0) out.push_back(it->path());
  }
  return out;
}

TEST_F(ContainerRunTest, PidsLimitBoundsAForkBomb) {
  ASSERT_EQ(Run("(i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); echo $i > /tmp/forks; done) 2>/dev/null;"
                " kill -9 -1; true",
                [](RunSpec& s) { s.limits.pids = 20; }),
            0);
  EXPECT_LT(std::stoi(Out("forks")), 20);
  EXPECT_EQ(RunCgroupsOfThisProcess(), std::vector<fs::path>{});
  ASSERT_EQ(Run("(i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); echo $i > /tmp/forks; done) 2>/dev/null;"
                " kill -9 -1; true"),
            0);
  EXPECT_EQ(Out("forks"), "100\n");  // no limit by default, as in Docker
}

// dd holds its block in memory: killed by the OOM killer under the limit.
TEST_F(ContainerRunTest, MemoryLimitBoundsAnAllocation) {
  const std::string hog = "dd if=/dev/zero of=/dev/null bs=128M count=1 2>/dev/null; echo $? > /tmp/dd";
  ASSERT_EQ(Run(hog, [](RunSpec& s) { s.limits.memory_bytes = 32 << 20; }), 0);
  EXPECT_EQ(Out("dd"), "137\n");  // SIGKILL
  EXPECT_EQ(RunCgroupsOfThisProcess(), std::vector<fs::path>{});
  ASSERT_EQ(Run(hog), 0);
  EXPECT_EQ(Out("dd"), "0\n");
}

// Docker's device rules: mknod of anything, use only of the allowlist.
TEST_F(ContainerRunTest, DeviceRulesAllowOnlyDockersList) {
  ASSERT_EQ(Run("mknod /dev/loopx b 7 0 && echo made > /tmp/mknod; (exec 3</dev/loopx) 2>/dev/null; echo $? > /tmp/open;"
                " echo x > /dev/null && head -c 1 /dev/urandom > /dev/null && echo ok > /tmp/allowed"),
            0);
  EXPECT_EQ(Out("mknod"), "made\n");
  EXPECT_NE(Out("open"), "0\n");
  EXPECT_EQ(Out("allowed"), "ok\n");
}

// Where RunCgroup makes its device cgroup: the builder's own cgroup in the
// v1 devices hierarchy, else in the v2 hierarchy.
fs::path OwnDeviceCgroup() {
  const std::string self = ReadFile("/proc/self/cgroup");
  auto path_after = [&](const std::string& key) -> std::optional<std::string> {
    const size_t at = self.rfind(key, 0) == 0 ? 0 : self.find("\n" + key);
    if (at == std::string::npos) return std::nullopt;
    const size_t start = self.find(key, at) + key.size();
    return self.substr(start, self.find('\n', start) - start);
  };
  if (auto found = self.find(":devices:"); found != std::string::npos) {
    const size_t start = found + 9;
    return fs::path("/sys/fs/cgroup/devices") / fs::path(self.substr(start, self.find('\n', start) - start)).relative_path();
  }
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    std::istringstream fields(line);
    std::string id, parent, dev, root, mountpoint;
    fields >> id >> parent >> dev >> root >> mountpoint;
    if (auto path = path_after("0::")) return fs::path(mountpoint) / fs::path(*path).relative_path();
  }
  return {};
}

// A cgroup left by a killed builder (its pid is gone) is swept by the next RUN.
TEST_F(ContainerRunTest, LeftoverRunCgroupIsSwept) {
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);
  const fs::path own = OwnDeviceCgroup();
  ASSERT_FALSE(own.empty()) << "no cgroup hierarchy for devices";
  const fs::path leftover = own / ("ubuild-run-" + std::to_string(dead) + "-0");
  ASSERT_TRUE(fs::create_directory(leftover)) << leftover;
  ASSERT_EQ(Run("true"), 0);
  EXPECT_FALSE(fs::exists(leftover));
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
  const OwnSleep own_sleep(1);
  const std::string marker = own_sleep.cmdline();
  ASSERT_EXIT(
      {
        InstallInterruptHandlers();
        std::thread([] {
          std::this_thread::sleep_for(std::chrono::milliseconds(600));
          ::kill(::getpid(), SIGTERM);
        }).detach();
        try {
          RunInContainer(Spec(own_sleep.command() + " & " + own_sleep.command() + " & wait"));
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
  const OwnSleep own_sleep(2);
  const std::string marker = own_sleep.cmdline();
  auto body = [&] {
    InstallInterruptHandlers();
    std::atomic<int> codes[2] = {0, 0};
    auto run = [&](int i, const fs::path& rootfs) {
      RunSpec spec = Spec(own_sleep.command());
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
