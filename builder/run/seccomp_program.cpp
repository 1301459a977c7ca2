#include "builder/run/seccomp_program.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace {

constexpr uint32_t kX32SyscallBit = 0x40000000;

uint32_t ActionValue(const SeccompAction& a) {
  switch (a.kind) {
    case SeccompAction::kKillThread: return SCMP_ACT_KILL_THREAD;
    case SeccompAction::kKillProcess: return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::kTrap: return SCMP_ACT_TRAP;
    case SeccompAction::kErrno: return SCMP_ACT_ERRNO(a.errno_ret);
    case SeccompAction::kTrace: return SCMP_ACT_TRACE(a.errno_ret);
    case SeccompAction::kAllow: return SCMP_ACT_ALLOW;
    case SeccompAction::kLog: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare CompareOp(SeccompArg::Op op) {
  switch (op) {
    case SeccompArg::kNotEqual: return SCMP_CMP_NE;
    case SeccompArg::kLessThan: return SCMP_CMP_LT;
    case SeccompArg::kLessOrEqual: return SCMP_CMP_LE;
    case SeccompArg::kEqual: return SCMP_CMP_EQ;
    case SeccompArg::kGreaterOrEqual: return SCMP_CMP_GE;
    case SeccompArg::kGreaterThan: return SCMP_CMP_GT;
    case SeccompArg::kMaskedEqual: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

void Check(int rc, const std::string& what) {
  if (rc < 0) throw Error("libseccomp: " + what + ": " + std::strerror(-rc), "seccomp");
}

// runc's matchCall: all conditions in one rule, unless two test the same
// argument, which libseccomp cannot AND; then one rule per condition.
void AddRule(scmp_filter_ctx ctx, uint32_t action, int nr, const SeccompRule& rule) {
  std::vector<scmp_arg_cmp> conditions;
  bool repeated = false;
  for (const SeccompArg& a : rule.args) {
    for (const scmp_arg_cmp& c : conditions) repeated = repeated || c.arg == a.index;
    conditions.push_back(scmp_arg_cmp{a.index, CompareOp(a.op), a.value, a.value_two});
  }
  if (!repeated) {
    Check(seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conditions.size()), conditions.data()),
          "rule for " + rule.name);
    return;
  }
  for (const scmp_arg_cmp& c : conditions) {
    Check(seccomp_rule_add_array(ctx, action, nr, 1, &c), "rule for " + rule.name);
  }
}

std::vector<sock_filter> ExportBpf(scmp_filter_ctx ctx) {
  // libseccomp 2.5 exports to a file descriptor only.
  Fd memfd(::memfd_create("ubuild-seccomp", MFD_CLOEXEC));
  if (!memfd.valid()) throw SysError("memfd_create", "seccomp", errno);
  Check(seccomp_export_bpf(ctx, memfd.get()), "export");
  const off_t size = ::lseek(memfd.get(), 0, SEEK_END);
  if (size < 0 || size % sizeof(sock_filter) != 0) throw Error("libseccomp exported a partial program", "seccomp");
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(memfd.get(), program.data(), static_cast<size_t>(size), 0) != size) {
    throw SysError("pread", "seccomp", errno);
  }
  return program;
}

// One block of the ENOSYS stub: for syscalls of `audit_arch` (and of the
// x32 or non-x32 half of it) numbered above `last`, return ENOSYS; anything
// else falls through to the next block and finally to libseccomp's filter,
// which starts by loading the architecture again.
void AppendEnosysBlock(std::vector<sock_filter>& out, uint32_t audit_arch, uint32_t token, uint32_t last) {
  std::vector<sock_filter> block;
  enum Target { kNext, kToReturn, kToEnd };
  std::vector<std::pair<Target, Target>> jumps;  // (jt, jf) per instruction
  auto add = [&](sock_filter insn, Target jt = kNext, Target jf = kNext) {
    block.push_back(insn);
    jumps.emplace_back(jt, jf);
  };
  add(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  add(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, 0), kNext, kToEnd);
  add(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  if (token == SCMP_ARCH_X86_64) add(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, 0, 0), kToEnd, kNext);
  if (token == SCMP_ARCH_X32) add(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kX32SyscallBit, 0, 0), kNext, kToEnd);
  // s390's syscall 0 multiplexes the others by an argument no filter can see.
  if (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X) {
    add(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), kToReturn, kNext);
  }
  add(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, last, 0, 0), kNext, kToEnd);
  add(BPF_STMT(BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS)));
  const size_t ret = block.size() - 1, end = block.size();
  for (size_t i = 0; i < block.size(); ++i) {
    auto offset = [&](Target t) { return static_cast<uint8_t>(t == kNext ? 0 : (t == kToReturn ? ret : end) - i - 1); };
    if (BPF_CLASS(block[i].code) != BPF_JMP) continue;
    block[i].jt = offset(jumps[i].first);
    block[i].jf = offset(jumps[i].second);
  }
  out.insert(out.end(), block.begin(), block.end());
}

// runc's patchbpf: the newest syscall any rule names, per architecture.
std::vector<sock_filter> EnosysStub(const SeccompFilterSpec& spec) {
  const auto kind = spec.default_action.kind;
  if (kind == SeccompAction::kAllow || kind == SeccompAction::kLog || kind == SeccompAction::kTrace) return {};
  std::vector<sock_filter> stub;
  std::set<uint32_t> seen;
  for (const std::string& arch : spec.architectures) {
    const uint32_t token = seccomp_arch_resolve_name(arch.c_str());
    if (!seen.insert(token).second) continue;
    int last = 0;
    for (const SeccompRule& rule : spec.rules) {
      last = std::max(last, seccomp_syscall_resolve_name_arch(token, rule.name.c_str()));
    }
    if (last <= 0) continue;
    // x32 syscalls arrive as x86_64's audit arch with bit 30 set.
    const uint32_t audit_arch = token == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token;
    AppendEnosysBlock(stub, audit_arch, token, static_cast<uint32_t>(last));
  }
  return stub;
}

}  // namespace

SeccompProgram CompileSeccompProgram(const SeccompFilterSpec& spec) {
  const uint32_t default_action = ActionValue(spec.default_action);
  Filter filter(seccomp_init(default_action));
  if (!filter) throw Error("libseccomp: cannot create a filter", "seccomp");
  for (const std::string& arch : spec.architectures) {
    const uint32_t token = seccomp_arch_resolve_name(arch.c_str());
    if (token == 0) throw Error("libseccomp does not know the architecture " + arch, "seccomp");
    const int rc = seccomp_arch_add(filter.get(), token);
    if (rc != -EEXIST) Check(rc, "architecture " + arch);
  }
  for (const SeccompRule& rule : spec.rules) {
    const uint32_t action = ActionValue(rule.action);
    if (action == default_action) continue;
    // A syscall this libseccomp does not know: Docker skips it too.
    const int nr = seccomp_syscall_resolve_name(rule.name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    AddRule(filter.get(), action, nr, rule);
  }
  SeccompProgram program;
  program.instructions = EnosysStub(spec);
  const std::vector<sock_filter> body = ExportBpf(filter.get());
  program.instructions.insert(program.instructions.end(), body.begin(), body.end());
  if (program.instructions.size() > BPF_MAXINSNS) {
    throw Error("the filter has " + std::to_string(program.instructions.size()) + " instructions, the kernel takes " +
                    std::to_string(BPF_MAXINSNS),
                "seccomp");
  }
  return program;
}

int LoadSeccompProgram(const SeccompProgram& program) {
  if (program.instructions.empty()) return 0;
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.instructions.size());
  prog.filter = const_cast<sock_filter*>(program.instructions.data());
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return -errno;
  return 0;
}

}  // namespace ubuild::builder
