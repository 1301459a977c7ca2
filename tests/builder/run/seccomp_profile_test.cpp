#include "builder/run/seccomp_profile.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "builder/run/capabilities.h"
#include "builder/run/seccomp_option.h"
#include "builder/run/seccomp_target.h"
#include "store/base/error.h"

namespace ubuild::builder {
namespace {

constexpr std::uint64_t kNamespaceFlags = 0x7E020000;  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

SeccompTarget Amd64(unsigned long long caps = kDockerDefaultCaps, unsigned kernel = 6, unsigned major = 1) {
  SeccompTarget t;
  t.arch = "amd64";
  t.archmap_arch = "SCMP_ARCH_X86_64";
  t.capabilities = CapabilityNames(caps);
  t.kernel = kernel;
  t.major = major;
  return t;
}

SeccompFilterSpec Default(const SeccompTarget& target) {
  auto spec = ResolveSeccompProfile(DockerDefaultSeccompProfile(), "default.json", target);
  EXPECT_TRUE(spec.has_value());
  return spec.value_or(SeccompFilterSpec{});
}

std::vector<SeccompRule> RulesFor(const SeccompFilterSpec& spec, const std::string& name) {
  std::vector<SeccompRule> out;
  std::copy_if(spec.rules.begin(), spec.rules.end(), std::back_inserter(out),
               [&](const SeccompRule& r) { return r.name == name; });
  return out;
}

// The message a bad profile gives (the Error's full line).
std::string ErrorOf(const std::string& json) {
  try {
    ResolveSeccompProfile(json, "/p.json", Amd64());
  } catch (const Error& e) {
    return e.message();
  }
  return "(no error)";
}

TEST(SeccompProfile, CapabilityNamesOfDockersDefaultSet) {
  EXPECT_EQ(CapabilityNames(kDockerDefaultCaps),
            (std::vector<std::string>{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                                      "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                                      "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
                                      "CAP_SETFCAP"}));
}

TEST(SeccompProfile, DefaultOnAmd64TakesTheArchMapEntryAndItsSubArchitectures) {
  const SeccompFilterSpec spec = Default(Amd64());
  EXPECT_EQ(spec.architectures, (std::vector<std::string>{"x86_64", "x86", "x32"}));
  EXPECT_EQ(spec.default_action, (SeccompAction{SeccompAction::kErrno, 1}));
  EXPECT_EQ(RulesFor(spec, "read").size(), 1u);
  EXPECT_EQ(RulesFor(spec, "arch_prctl").size(), 1u);  // includes arches amd64
  EXPECT_EQ(RulesFor(spec, "modify_ldt").size(), 1u);
  EXPECT_TRUE(RulesFor(spec, "set_tls").empty());      // arm only
}

// Without CAP_SYS_ADMIN, clone may not make namespaces (so no `unshare -U`
// by clone either), clone3 answers ENOSYS so libcs fall back to clone, and
// unshare, mount, setns and the rest are left to the default EPERM.
TEST(SeccompProfile, DefaultCapsRefuseNamespacesAndPrivilegedCalls) {
  const SeccompFilterSpec spec = Default(Amd64());
  const auto clone = RulesFor(spec, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0].action.kind, SeccompAction::kAllow);
  EXPECT_EQ(clone[0].args,
            (std::vector<SeccompArg>{SeccompArg{0, SeccompArg::kMaskedEqual, kNamespaceFlags, 0}}));
  const auto clone3 = RulesFor(spec, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0].action, (SeccompAction{SeccompAction::kErrno, 38}));
  for (const char* name : {"unshare", "mount", "umount2", "setns", "reboot", "open_by_handle_at", "bpf",
                           "clock_settime", "init_module", "kcmp", "add_key", "keyctl", "syslog"}) {
    EXPECT_TRUE(RulesFor(spec, name).empty()) << name;
  }
  EXPECT_EQ(RulesFor(spec, "chroot").size(), 1u);  // CAP_SYS_CHROOT is in the default set
  EXPECT_EQ(RulesFor(spec, "personality").size(), 5u);
}

TEST(SeccompProfile, CapSysAdminAllowsCloneAndMountAsDockerDoes) {
  const SeccompFilterSpec spec = Default(Amd64(kDockerDefaultCaps | (1ULL << 21)));
  const auto clone = RulesFor(spec, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_TRUE(clone[0].args.empty());
  EXPECT_TRUE(RulesFor(spec, "clone3")[0].action.kind == SeccompAction::kAllow);
  EXPECT_EQ(RulesFor(spec, "clone3").size(), 1u);
  EXPECT_EQ(RulesFor(spec, "mount").size(), 1u);
}

TEST(SeccompProfile, MinKernelComparesVersionAndMajorOnly) {
  EXPECT_EQ(RulesFor(Default(Amd64(kDockerDefaultCaps, 4, 8)), "ptrace").size(), 1u);
  EXPECT_EQ(RulesFor(Default(Amd64(kDockerDefaultCaps, 5, 0)), "ptrace").size(), 1u);
  EXPECT_TRUE(RulesFor(Default(Amd64(kDockerDefaultCaps, 4, 7)), "ptrace").empty());
  EXPECT_TRUE(RulesFor(Default(Amd64(kDockerDefaultCaps, 3, 10)), "ptrace").empty());
}

TEST(SeccompProfile, OtherArchitecturesGetTheirOwnEntryAndRules) {
  SeccompTarget s390x = Amd64();
  s390x.arch = "s390x";
  s390x.archmap_arch = "SCMP_ARCH_S390X";
  const SeccompFilterSpec spec = Default(s390x);
  EXPECT_EQ(spec.architectures, (std::vector<std::string>{"s390x", "s390"}));
  const auto clone = RulesFor(spec, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0].args[0].index, 1u);  // s390's clone takes the flags second
  EXPECT_TRUE(RulesFor(spec, "arch_prctl").empty());
  EXPECT_EQ(RulesFor(spec, "s390_runtime_instr").size(), 1u);

  SeccompTarget unknown = Amd64();
  unknown.arch = unknown.archmap_arch = "";
  EXPECT_TRUE(Default(unknown).architectures.empty());
}

TEST(SeccompProfile, NoDefaultActionAndNoSyscallsMeansNoFilter) {
  EXPECT_FALSE(ResolveSeccompProfile("{}", "p", Amd64()).has_value());
  EXPECT_FALSE(ResolveSeccompProfile(R"({"syscalls": []})", "p", Amd64()).has_value());
  EXPECT_FALSE(ResolveSeccompProfile(R"({"defaultAction": null, "syscalls": null})", "p", Amd64()).has_value());
}

// Go's decoder: a key matches ignoring case, unknown keys are ignored, a
// single "name" works like "names", errnoRet sets the errno.
TEST(SeccompProfile, ReadsKeysAsGoDoes) {
  const auto spec = ResolveSeccompProfile(R"({
      "DefaultAction": "SCMP_ACT_ALLOW", "comment": "ignored",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "syscalls": [
        {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"NAMES": ["getppid", "kill"], "action": "SCMP_ACT_KILL"},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]})",
                                          "p", Amd64());
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->default_action.kind, SeccompAction::kAllow);
  EXPECT_EQ(spec->architectures, (std::vector<std::string>{"x86_64", "x86"}));
  ASSERT_EQ(spec->rules.size(), 4u);
  EXPECT_EQ(spec->rules[0].name, "mkdir");
  EXPECT_EQ(spec->rules[0].action, (SeccompAction{SeccompAction::kErrno, 13}));
  EXPECT_EQ(spec->rules[1].name, "getppid");
  EXPECT_EQ(spec->rules[2].name, "kill");
  EXPECT_EQ(spec->rules[2].action.kind, SeccompAction::kKillThread);
  EXPECT_EQ(spec->rules[3].args, (std::vector<SeccompArg>{SeccompArg{0, SeccompArg::kMaskedEqual, 255, 8}}));
}

TEST(SeccompProfile, DefaultErrnoRetSetsTheDefaultErrno) {
  const auto spec =
      ResolveSeccompProfile(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38})", "p", Amd64());
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->default_action, (SeccompAction{SeccompAction::kErrno, 38}));
}

// The message for a profile denying by default with one syscall rule.
std::string RuleError(const std::string& rule) {
  return ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)" + rule + "]}");
}

TEST(SeccompProfile, BadProfilesSayWhereAndWhat) {
  const std::string p = "/p.json: seccomp profile: ";
  EXPECT_EQ(ErrorOf("{"), p + "not valid JSON: parse error at line 1, column 2: syntax error while parsing "
                              "object key - unexpected end of input; expected string literal");
  EXPECT_EQ(ErrorOf("[]"), p + "want an object, got array");
  EXPECT_EQ(ErrorOf(R"({"defaultAction": "SCMP_ACT_NOPE"})"), p + "defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  EXPECT_EQ(ErrorOf(R"({"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})"),
            p + "defaultAction: missing");
  EXPECT_EQ(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "archMap": [{}]})"),
            p + "both 'architectures' and 'archMap' given, use either");
  EXPECT_EQ(ErrorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]})"),
            p + "architectures[0]: unknown architecture \"SCMP_ARCH_Z80\"");
  EXPECT_EQ(RuleError(R"({"names": ["read"]})"), p + "syscalls[0].action: missing");
  EXPECT_EQ(RuleError(R"({"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"})"),
            p + "syscalls[0]: both 'name' and 'names' given, use either");
  EXPECT_EQ(RuleError(R"({"names": "read", "action": "SCMP_ACT_ALLOW"})"),
            p + "syscalls[0].names: want an array of strings, got string");
  EXPECT_EQ(RuleError(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "op": "SCMP_CMP_EQ"}]})"),
            p + "syscalls[0].args[0].index: 6 is out of range (at most 5)");
  EXPECT_EQ(RuleError(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"value": -1, "op": "SCMP_CMP_EQ"}]})"),
            p + "syscalls[0].args[0].value: want an unsigned integer, got -1");
  EXPECT_EQ(RuleError(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"op": "SCMP_CMP_SORTOF"}]})"),
            p + "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_SORTOF\"");
  EXPECT_EQ(RuleError(R"({"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70000})"),
            p + "syscalls[0].errnoRet: 70000 is out of range (at most 65535)");
  EXPECT_EQ(RuleError(R"({"names": ["read"], "action": "SCMP_ACT_NOTIFY"})"),
            p + "syscalls[0].action: SCMP_ACT_NOTIFY needs a seccomp agent, which ubuild does not run");
}

TEST(SeccompProfile, MinKernelMustBeVersionDotMajor) {
  auto with = [](const std::string& v) {
    return RuleError(R"({"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": ")" + v + R"("}})");
  };
  auto invalid = [](const std::string& v) {
    return "/p.json: seccomp profile: syscalls[0].includes.minKernel: invalid kernel version \"" + v +
           "\", want \"<kernel>.<major>\"";
  };
  for (const char* bad : {"4", "4.8.1", "4.x", "4.256", "4.", "-4.1"}) EXPECT_EQ(with(bad), invalid(bad));
  EXPECT_EQ(with("0.0"), "/p.json: seccomp profile: syscalls[0].includes.minKernel: kernel version cannot be 0.0");
  EXPECT_EQ(with(""), "(no error)");  // Docker reads "" as no minimum
  EXPECT_EQ(with("0004.008"), "(no error)");
}

}  // namespace
}  // namespace ubuild::builder
