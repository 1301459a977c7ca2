#include "builder/run/run_cgroup.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "ubuild-run-";

// Docker's default device allowlist (moby's oci/defaults.go), read/write/
// mknod; -1 is any minor. Docker 20.10 also lists /dev/net/tun (10:200),
// which later releases dropped; ubuild follows them.
struct DeviceRule {
  char type;
  int major, minor;
};
constexpr DeviceRule kAllowedDevices[] = {
    {'c', 1, 3},  // null
    {'c', 1, 5},  // zero
    {'c', 1, 7},  // full
    {'c', 1, 8},  // random
    {'c', 1, 9},  // urandom
    {'c', 5, 0},  // tty
    {'c', 5, 1},  // console
    {'c', 5, 2},  // ptmx
    {'c', 136, -1},  // pts/*
};

// One mounted hierarchy: v1 with its controllers, or v2.
struct Hierarchy {
  fs::path own;  // the builder's cgroup in it
  bool v2 = false;
  std::set<std::string> controllers;  // v1 only
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteValue(const fs::path& file, const std::string& value) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw SysError("open", file.string(), errno);
  Fd owned(fd);
  if (::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    throw SysError("write " + value + " to", file.string(), errno);
  }
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(s);
  while (std::getline(in, field, sep)) out.push_back(field);
  return out;
}

// The builder's cgroup in every mounted hierarchy, from /proc/self/cgroup
// (hierarchy id -> path) and /proc/self/mountinfo (where each is mounted).
std::vector<Hierarchy> FindHierarchies() {
  std::map<std::string, std::string> v1_paths;  // "memory" or "cpu,cpuacct" -> path
  std::string v2_path;
  bool have_v2 = false;
  std::istringstream self(Slurp("/proc/self/cgroup"));
  std::string line;
  while (std::getline(self, line)) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    if (line.compare(0, a, "0") == 0 && controllers.empty()) {
      have_v2 = true;
      v2_path = line.substr(b + 1);
    } else {
      v1_paths[controllers] = line.substr(b + 1);
    }
  }
  std::vector<Hierarchy> out;
  std::istringstream mounts(Slurp("/proc/self/mountinfo"));
  while (std::getline(mounts, line)) {
    const std::vector<std::string> f = Split(line, ' ');
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash < 5 || dash + 3 > f.size()) continue;
    const std::string& root = f[3];
    const std::string& mountpoint = f[4];
    const std::string& type = f[dash + 1];
    // The path relative to the mount's root (a cgroup namespace or a bind
    // of a subtree shows a root other than "/").
    auto under_mount = [&](const std::string& path) -> std::optional<fs::path> {
      if (root == "/") return fs::path(mountpoint) / fs::path(path).relative_path();
      if (path == root) return fs::path(mountpoint);
      if (path.rfind(root + "/", 0) == 0) return fs::path(mountpoint) / path.substr(root.size() + 1);
      return std::nullopt;
    };
    if (type == "cgroup2" && have_v2) {
      if (auto own = under_mount(v2_path)) out.push_back({*own, true, {}});
    } else if (type == "cgroup") {
      std::set<std::string> options;
      for (const auto& o : Split(f[dash + 3], ',')) options.insert(o);
      for (const auto& [controllers, path] : v1_paths) {
        const std::vector<std::string> names = Split(controllers, ',');
        bool match = !names.empty();
        for (const auto& n : names) match = match && options.count(n) > 0;
        if (!match) continue;
        if (auto own = under_mount(path)) out.push_back({*own, false, {names.begin(), names.end()}});
      }
    }
  }
  return out;
}

// The RUN cgroups a dead builder left beside ours: their processes died with
// the builder's containers, so they are empty or nearly so.
void Sweep(const fs::path& parent) {
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + std::strlen(kPrefix)));
    if (owner <= 0 || (::kill(owner, 0) != 0 && errno == ESRCH)) ::rmdir(it->path().c_str());
  }
}

// Builds the BPF_PROG_TYPE_CGROUP_DEVICE program of the rules above: allow
// (return 1) an access that only creates a node, or any access to a listed
// device; deny (0) the rest.
std::vector<bpf_insn> DeviceProgram() {
  std::vector<bpf_insn> p;
  auto insn = [&](uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    p.push_back(i);
  };
  // struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; }
  insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
  insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);   // r2 = type
  insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
  insn(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);       // r3 = access
  insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);  // r4 = major
  insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);  // r5 = minor
  std::vector<size_t> to_allow;  // jumps to patch once "allow" has an address
  // "c *:* m" and "b *:* m": nothing but mknod asked.
  insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0);
  insn(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_0, 0, 0, ~BPF_DEVCG_ACC_MKNOD);
  to_allow.push_back(p.size());
  insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0);
  for (const DeviceRule& r : kAllowedDevices) {
    const int16_t rest = r.minor < 0 ? 2 : 3;  // the rule's remaining instructions
    insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, rest, r.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, static_cast<int16_t>(rest - 1), r.major);
    if (r.minor >= 0) insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 1, r.minor);
    to_allow.push_back(p.size());
    insn(BPF_JMP | BPF_JA, 0, 0, 0, 0);
  }
  insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
  insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  const size_t allow = p.size();
  insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
  insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t at : to_allow) p[at].off = static_cast<int16_t>(allow - at - 1);
  return p;
}

}  // namespace

void AttachDeviceRules(const fs::path& dir) {
  const std::vector<bpf_insn> program = DeviceProgram();
  static const char kLicense[] = "Apache-2.0";
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = static_cast<uint32_t>(program.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  const int prog = static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load));
  if (prog < 0) throw SysError("bpf(BPF_PROG_LOAD) of the device rules for", dir.string(), errno);
  Fd prog_fd(prog);
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) throw SysError("open", dir.string(), errno);
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(dir_fd.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog_fd.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  // Rules of the cgroups above ours (a container engine's) still apply.
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0) {
    throw SysError("bpf(BPF_PROG_ATTACH) of the device rules to", dir.string(), errno);
  }
}

namespace {

std::set<std::string> Controllers(const fs::path& v2_dir) {
  std::istringstream in(Slurp(v2_dir / "cgroup.controllers"));
  std::set<std::string> out;
  for (std::string c; in >> c;) out.insert(c);
  return out;
}

void WriteV1DeviceRules(const fs::path& dir) {
  WriteValue(dir / "devices.deny", "a");
  WriteValue(dir / "devices.allow", "c *:* m");
  WriteValue(dir / "devices.allow", "b *:* m");
  for (const DeviceRule& r : kAllowedDevices) {
    const std::string minor = r.minor < 0 ? "*" : std::to_string(r.minor);
    WriteValue(dir / "devices.allow", std::string(1, r.type) + " " + std::to_string(r.major) + ":" + minor + " rwm");
  }
}

void WriteV1Memory(const fs::path& dir, int64_t bytes) {
  WriteValue(dir / "memory.limit_in_bytes", std::to_string(bytes));
  // Present only with swap accounting; Docker's default --memory-swap is
  // twice --memory.
  if (fs::exists(dir / "memory.memsw.limit_in_bytes")) {
    WriteValue(dir / "memory.memsw.limit_in_bytes", std::to_string(2 * bytes));
  }
}

// Lets the RUN cgroups under `own` use the v2 controllers (" +memory +pids").
void EnableV2Controllers(const fs::path& own, const std::string& enable) {
  const std::set<std::string> available = Controllers(own);
  for (const std::string c : {"memory", "pids"}) {
    if (enable.find(c) != std::string::npos && available.count(c) == 0) {
      throw Error("the cgroup v2 controller " + c + " is not available to ubuild's cgroup", own.string());
    }
  }
  try {
    WriteValue(own / "cgroup.subtree_control", enable.substr(1));
  } catch (const Error& e) {
    throw Error(std::string(e.what()) +
                " (cgroup v2 delegates controllers only from a cgroup without processes: run ubuild in a cgroup "
                "of its own, e.g. `systemd-run --scope -p Delegate=yes ubuild …`)");
  }
}

void WriteV2Limits(const fs::path& dir, const RunLimits& limits, const std::string& enabled) {
  if (enabled.find("memory") != std::string::npos) {
    WriteValue(dir / "memory.max", std::to_string(limits.memory_bytes));
    // memory.swap.max is the swap alone: as much again, as in Docker.
    if (fs::exists(dir / "memory.swap.max")) WriteValue(dir / "memory.swap.max", std::to_string(limits.memory_bytes));
  }
  if (enabled.find("pids") != std::string::npos) WriteValue(dir / "pids.max", std::to_string(limits.pids));
}

}  // namespace

RunCgroup::RunCgroup(const RunLimits& limits) {
  const std::vector<Hierarchy> hierarchies = FindHierarchies();
  const Hierarchy* v2 = nullptr;
  std::map<std::string, fs::path> v1;  // controller -> the builder's cgroup in its hierarchy
  for (const Hierarchy& h : hierarchies) {
    if (h.v2) v2 = &h;
    for (const auto& c : h.controllers) v1[c] = h.own;
  }
  const bool want_limits = limits.memory_bytes > 0 || limits.pids > 0;
  try {
    // cgroup v1 where the host has the controller there; the rest on v2.
    std::string v2_enable;
    if (v1.count("devices")) WriteV1DeviceRules(DirUnder(v1["devices"]));
    if (limits.memory_bytes > 0) {
      if (v1.count("memory")) {
        WriteV1Memory(DirUnder(v1["memory"]), limits.memory_bytes);
      } else {
        v2_enable += " +memory";
      }
    }
    if (limits.pids > 0) {
      if (v1.count("pids")) {
        WriteValue(DirUnder(v1["pids"]) / "pids.max", std::to_string(limits.pids));
      } else {
        v2_enable += " +pids";
      }
    }
    const bool v2_devices = v1.count("devices") == 0;
    if (v2 && (v2_devices || !v2_enable.empty())) {
      if (!v2_enable.empty()) EnableV2Controllers(v2->own, v2_enable);
      const fs::path dir = DirUnder(v2->own);
      WriteV2Limits(dir, limits, v2_enable);
      if (v2_devices) AttachDeviceRules(dir);
    } else if (!v2_enable.empty()) {
      throw Error("--memory and --pids-limit need a cgroup hierarchy with the memory and pids controllers, and "
                  "this host has none");
    }
  } catch (const Error&) {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
    dirs_.clear();
    // Without a writable cgroup tree the RUN goes without, unless a limit
    // was asked for.
    if (!not_writable_ || want_limits) throw;
  }
}

fs::path RunCgroup::DirUnder(const fs::path& parent) {
  for (const fs::path& d : dirs_) {
    if (d.parent_path() == parent) return d;
  }
  Make(parent);
  return dirs_.back();
}

void RunCgroup::Make(const fs::path& parent) {
  static std::atomic<unsigned> counter{0};
  Sweep(parent);
  const fs::path dir =
      parent / (kPrefix + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
  if (::mkdir(dir.c_str(), 0755) != 0) {
    not_writable_ = errno == EACCES || errno == EROFS || errno == EPERM;
    throw SysError("mkdir", dir.string(), errno);
  }
  dirs_.push_back(dir);
}

void RunCgroup::Enter(pid_t pid) const {
  for (const fs::path& d : dirs_) WriteValue(d / "cgroup.procs", std::to_string(pid));
}

RunCgroup::~RunCgroup() {
  // The container's init has exited, which killed the rest of its PID
  // namespace; the kernel may still be tearing those processes down.
  for (const fs::path& d : dirs_) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (::rmdir(d.c_str()) == 0 || errno == ENOENT) break;
      std::istringstream procs(Slurp(d / "cgroup.procs"));
      for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

}  // namespace ubuild::builder
