#include "builder/run/seccomp_profile.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::builder {
namespace {

using Json = nlohmann::json;

// Errors name the JSON path of the bad value; the source (file name) is the
// Error's `where`.
class ProfileReader {
 public:
  explicit ProfileReader(const std::string& source) : source_(source) {}

  [[noreturn]] void Bad(const std::string& path, const std::string& what) const {
    throw Error("seccomp profile: " + (path.empty() ? what : path + ": " + what), source_);
  }

  // Go's decoder matches a key exactly, else ignoring ASCII case; null is
  // the same as absent.
  static const Json* Field(const Json& object, std::string_view key) {
    auto exact = object.find(key);
    if (exact != object.end()) return exact->is_null() ? nullptr : &*exact;
    const std::string lower = AsciiLower(std::string(key));
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (AsciiLower(it.key()) == lower) return it->is_null() ? nullptr : &*it;
    }
    return nullptr;
  }

  void RequireObject(const Json& v, const std::string& path) const {
    if (!v.is_object()) Bad(path, std::string("want an object, got ") + v.type_name());
  }

  std::string String(const Json* v, const std::string& path) const {
    if (!v) return {};
    if (!v->is_string()) Bad(path, std::string("want a string, got ") + v->type_name());
    return v->get<std::string>();
  }

  std::vector<std::string> Strings(const Json* v, const std::string& path) const {
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) Bad(path, std::string("want an array of strings, got ") + v->type_name());
    for (size_t i = 0; i < v->size(); ++i) out.push_back(String(&(*v)[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  std::uint64_t Unsigned(const Json* v, const std::string& path, std::uint64_t max) const {
    if (!v) return 0;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
      Bad(path, "want an unsigned integer, got " + v->dump());
    }
    const auto n = v->get<std::uint64_t>();
    if (n > max) Bad(path, v->dump() + " is out of range (at most " + std::to_string(max) + ")");
    return n;
  }

 private:
  const std::string& source_;
};

// A rule's includes/excludes.
struct Condition {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  bool has_min_kernel = false;
  unsigned min_kernel = 0, min_major = 0;
};

// "<kernel>.<major>", each below 256, not "0.0": Docker's KernelVersion.
void ReadMinKernel(const ProfileReader& r, const std::string& text, const std::string& path, Condition& c) {
  if (text.empty()) return;
  const size_t dot = text.find('.');
  const bool two_parts = dot != std::string::npos && text.find('.', dot + 1) == std::string::npos;
  // Go's strconv.ParseUint(part, 10, 8).
  auto number = [](std::string_view part, unsigned& out) {
    out = 0;
    for (char ch : part) {
      if (ch < '0' || ch > '9') return false;
      out = out * 10 + static_cast<unsigned>(ch - '0');
      if (out > 255) return false;
    }
    return !part.empty();
  };
  if (!two_parts || !number(std::string_view(text).substr(0, dot), c.min_kernel) ||
      !number(std::string_view(text).substr(dot + 1), c.min_major)) {
    r.Bad(path, "invalid kernel version \"" + text + "\", want \"<kernel>.<major>\"");
  }
  if (c.min_kernel == 0 && c.min_major == 0) r.Bad(path, "kernel version cannot be 0.0");
  c.has_min_kernel = true;
}

Condition ReadCondition(const ProfileReader& r, const Json* v, const std::string& path) {
  Condition c;
  if (!v) return c;
  r.RequireObject(*v, path);
  c.caps = r.Strings(ProfileReader::Field(*v, "caps"), path + ".caps");
  c.arches = r.Strings(ProfileReader::Field(*v, "arches"), path + ".arches");
  const Json* min_kernel = ProfileReader::Field(*v, "minKernel");
  ReadMinKernel(r, r.String(min_kernel, path + ".minKernel"), path + ".minKernel", c);
  return c;
}

// runc's getAction; errnoRet counts for ERRNO and TRACE only.
SeccompAction ReadAction(const ProfileReader& r, const std::string& word, const std::string& path,
                         const Json* errno_ret, const std::string& errno_path) {
  static const std::pair<const char*, SeccompAction::Kind> kActions[] = {
      {"SCMP_ACT_KILL", SeccompAction::kKillThread},     {"SCMP_ACT_KILL_THREAD", SeccompAction::kKillThread},
      {"SCMP_ACT_KILL_PROCESS", SeccompAction::kKillProcess}, {"SCMP_ACT_TRAP", SeccompAction::kTrap},
      {"SCMP_ACT_ERRNO", SeccompAction::kErrno},          {"SCMP_ACT_TRACE", SeccompAction::kTrace},
      {"SCMP_ACT_ALLOW", SeccompAction::kAllow},          {"SCMP_ACT_LOG", SeccompAction::kLog},
  };
  if (word == "SCMP_ACT_NOTIFY") r.Bad(path, "SCMP_ACT_NOTIFY needs a seccomp agent, which ubuild does not run");
  for (const auto& [name, kind] : kActions) {
    if (word != name) continue;
    SeccompAction action;
    action.kind = kind;
    if (errno_ret) action.errno_ret = static_cast<unsigned>(r.Unsigned(errno_ret, errno_path, 0xffff));
    return action;
  }
  r.Bad(path, word.empty() ? "missing" : "unknown action \"" + word + "\"");
}

SeccompArg ReadArg(const ProfileReader& r, const Json& v, const std::string& path) {
  static const std::pair<const char*, SeccompArg::Op> kOps[] = {
      {"SCMP_CMP_NE", SeccompArg::kNotEqual},     {"SCMP_CMP_LT", SeccompArg::kLessThan},
      {"SCMP_CMP_LE", SeccompArg::kLessOrEqual},  {"SCMP_CMP_EQ", SeccompArg::kEqual},
      {"SCMP_CMP_GE", SeccompArg::kGreaterOrEqual}, {"SCMP_CMP_GT", SeccompArg::kGreaterThan},
      {"SCMP_CMP_MASKED_EQ", SeccompArg::kMaskedEqual},
  };
  r.RequireObject(v, path);
  SeccompArg arg;
  arg.index = static_cast<unsigned>(r.Unsigned(ProfileReader::Field(v, "index"), path + ".index", 5));
  const auto max = std::numeric_limits<std::uint64_t>::max();
  arg.value = r.Unsigned(ProfileReader::Field(v, "value"), path + ".value", max);
  arg.value_two = r.Unsigned(ProfileReader::Field(v, "valueTwo"), path + ".valueTwo", max);
  const std::string op = r.String(ProfileReader::Field(v, "op"), path + ".op");
  for (const auto& [name, value] : kOps) {
    if (op == name) {
      arg.op = value;
      return arg;
    }
  }
  r.Bad(path + ".op", op.empty() ? "missing" : "unknown operator \"" + op + "\"");
}

// runc's names for the OCI architectures, as libseccomp spells them.
std::string LibseccompArch(const ProfileReader& r, const std::string& word, const std::string& path) {
  static const std::pair<const char*, const char*> kArches[] = {
      {"SCMP_ARCH_X86", "x86"},           {"SCMP_ARCH_X86_64", "x86_64"},     {"SCMP_ARCH_X32", "x32"},
      {"SCMP_ARCH_ARM", "arm"},           {"SCMP_ARCH_AARCH64", "aarch64"},   {"SCMP_ARCH_MIPS", "mips"},
      {"SCMP_ARCH_MIPS64", "mips64"},     {"SCMP_ARCH_MIPS64N32", "mips64n32"}, {"SCMP_ARCH_MIPSEL", "mipsel"},
      {"SCMP_ARCH_MIPSEL64", "mipsel64"}, {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"}, {"SCMP_ARCH_PPC", "ppc"},
      {"SCMP_ARCH_PPC64", "ppc64"},       {"SCMP_ARCH_PPC64LE", "ppc64le"},   {"SCMP_ARCH_S390", "s390"},
      {"SCMP_ARCH_S390X", "s390x"},       {"SCMP_ARCH_RISCV64", "riscv64"},
  };
  for (const auto& [name, libseccomp] : kArches) {
    if (word == name) return libseccomp;
  }
  r.Bad(path, "unknown architecture \"" + word + "\"");
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool KernelAtLeast(const SeccompTarget& t, const Condition& c) {
  return t.kernel > c.min_kernel || (t.kernel == c.min_kernel && t.major >= c.min_major);
}

// Docker's setupSeccomp: whether a rule applies to this container.
bool Applies(const SeccompTarget& t, const Condition& includes, const Condition& excludes) {
  if (!excludes.arches.empty() && Contains(excludes.arches, t.arch)) return false;
  for (const auto& cap : excludes.caps) {
    if (Contains(t.capabilities, cap)) return false;
  }
  if (excludes.has_min_kernel && KernelAtLeast(t, excludes)) return false;
  if (!includes.arches.empty() && !Contains(includes.arches, t.arch)) return false;
  for (const auto& cap : includes.caps) {
    if (!Contains(t.capabilities, cap)) return false;
  }
  if (includes.has_min_kernel && !KernelAtLeast(t, includes)) return false;
  return true;
}

// One entry of "syscalls", appended as one rule per name if it applies.
void ReadSyscall(const ProfileReader& r, const Json& v, const std::string& path, const SeccompTarget& target,
                 std::vector<SeccompRule>& rules) {
  r.RequireObject(v, path);
  const std::string name = r.String(ProfileReader::Field(v, "name"), path + ".name");
  std::vector<std::string> names = r.Strings(ProfileReader::Field(v, "names"), path + ".names");
  if (!name.empty() && !names.empty()) r.Bad(path, "both 'name' and 'names' given, use either");
  if (!name.empty()) names.push_back(name);
  const SeccompAction action = ReadAction(r, r.String(ProfileReader::Field(v, "action"), path + ".action"),
                                          path + ".action", ProfileReader::Field(v, "errnoRet"), path + ".errnoRet");
  std::vector<SeccompArg> args;
  if (const Json* list = ProfileReader::Field(v, "args")) {
    if (!list->is_array()) r.Bad(path + ".args", std::string("want an array, got ") + list->type_name());
    for (size_t i = 0; i < list->size(); ++i) {
      args.push_back(ReadArg(r, (*list)[i], path + ".args[" + std::to_string(i) + "]"));
    }
  }
  const Condition includes = ReadCondition(r, ProfileReader::Field(v, "includes"), path + ".includes");
  const Condition excludes = ReadCondition(r, ProfileReader::Field(v, "excludes"), path + ".excludes");
  if (!Applies(target, includes, excludes)) return;
  for (const std::string& n : names) rules.push_back(SeccompRule{n, action, args});
}

// "architectures" as given, or the archMap entry of the host's architecture.
std::vector<std::string> ReadArchitectures(const ProfileReader& r, const Json& profile, const SeccompTarget& target) {
  std::vector<std::string> out;
  const std::vector<std::string> listed = r.Strings(ProfileReader::Field(profile, "architectures"), "architectures");
  const Json* archmap = ProfileReader::Field(profile, "archMap");
  if (archmap && !archmap->is_array()) r.Bad("archMap", std::string("want an array, got ") + archmap->type_name());
  if (!listed.empty() && archmap && !archmap->empty()) {
    r.Bad("", "both 'architectures' and 'archMap' given, use either");
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    out.push_back(LibseccompArch(r, listed[i], "architectures[" + std::to_string(i) + "]"));
  }
  if (!archmap || target.archmap_arch.empty()) return out;
  for (size_t i = 0; i < archmap->size(); ++i) {
    const std::string path = "archMap[" + std::to_string(i) + "]";
    const Json& entry = (*archmap)[i];
    r.RequireObject(entry, path);
    if (r.String(ProfileReader::Field(entry, "architecture"), path + ".architecture") != target.archmap_arch) continue;
    out.push_back(LibseccompArch(r, target.archmap_arch, path + ".architecture"));
    const auto subs = r.Strings(ProfileReader::Field(entry, "subArchitectures"), path + ".subArchitectures");
    for (size_t j = 0; j < subs.size(); ++j) {
      out.push_back(LibseccompArch(r, subs[j], path + ".subArchitectures[" + std::to_string(j) + "]"));
    }
    break;
  }
  return out;
}

}  // namespace

std::optional<SeccompFilterSpec> ResolveSeccompProfile(std::string_view json, const std::string& source,
                                                       const SeccompTarget& target) {
  const ProfileReader r(source);
  Json profile;
  try {
    profile = Json::parse(json);
  } catch (const Json::parse_error& e) {
    // nlohmann's text after its "[json.exception.parse_error.N] " tag.
    const std::string what = e.what();
    const size_t tag_end = what.find("] ");
    r.Bad("", "not valid JSON: " + (tag_end == std::string::npos ? what : what.substr(tag_end + 2)));
  }
  r.RequireObject(profile, "");
  const std::string default_action = r.String(ProfileReader::Field(profile, "defaultAction"), "defaultAction");
  const Json* syscalls = ProfileReader::Field(profile, "syscalls");
  if (syscalls && !syscalls->is_array()) r.Bad("syscalls", std::string("want an array, got ") + syscalls->type_name());
  if (default_action.empty() && (!syscalls || syscalls->empty())) return std::nullopt;

  SeccompFilterSpec spec;
  spec.default_action = ReadAction(r, default_action, "defaultAction", ProfileReader::Field(profile, "defaultErrnoRet"),
                                   "defaultErrnoRet");
  spec.architectures = ReadArchitectures(r, profile, target);
  for (size_t i = 0; syscalls && i < syscalls->size(); ++i) {
    ReadSyscall(r, (*syscalls)[i], "syscalls[" + std::to_string(i) + "]", target, spec.rules);
  }
  return spec;
}

}  // namespace ubuild::builder
