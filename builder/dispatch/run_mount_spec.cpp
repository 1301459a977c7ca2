// The field names, aliases and defaults are BuildKit's
// (frontend/dockerfile/instructions/commands_runmount.go), so a Dockerfile
// written for `docker buildx build` reads the same here, errors included.
#include "builder/dispatch/run_mount_spec.h"

#include <cctype>
#include <vector>

#include "store/base/error.h"
#include "store/base/lexical_path.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

// Fields split on commas outside double quotes (BuildKit reads them with
// encoding/csv), quotes removed.
std::vector<std::string> CsvFields(std::string_view v) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      if (quoted && i + 1 < v.size() && v[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  if (quoted) throw Error("unterminated quote in mount value");
  return out;
}

std::optional<MountType> TypeNamed(std::string_view s) {
  if (s == "bind") return MountType::kBind;
  if (s == "cache") return MountType::kCache;
  if (s == "tmpfs") return MountType::kTmpfs;
  if (s == "secret") return MountType::kSecret;
  if (s == "ssh") return MountType::kSsh;
  return std::nullopt;
}

// Go's strconv.ParseBool, which BuildKit applies to ro/rw/required.
bool ParseBool(const std::string& key, const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
  throw Error("invalid value for " + key + ": " + v);
}

uint64_t ParseUnsigned(const std::string& key, const std::string& v, int base, uint64_t max) {
  if (v.empty()) throw Error("invalid value for " + key + ": " + v);
  uint64_t n = 0;
  for (char c : v) {
    const int d = c - '0';
    if (d < 0 || d >= base) throw Error("invalid value for " + key + ": " + v);
    n = n * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    if (n > max) throw Error("invalid value for " + key + ": " + v);
  }
  return n;
}

// go-units RAMInBytes, which BuildKit uses for tmpfs size: a number with an
// optional binary unit (k, m, g, t, p, with or without "b"/"ib").
uint64_t ParseSize(const std::string& v) {
  size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
  const std::string num = v.substr(0, i);
  std::string unit = AsciiLower(v.substr(i));
  if (num.empty() || num.find('.') != num.rfind('.')) throw Error("invalid value for size: " + v);
  if (unit.size() > 1 && (unit.substr(1) == "b" || unit.substr(1) == "ib")) unit = unit.substr(0, 1);
  int shift = 0;
  if (unit == "" || unit == "b") shift = 0;
  else if (unit == "k") shift = 10;
  else if (unit == "m") shift = 20;
  else if (unit == "g") shift = 30;
  else if (unit == "t") shift = 40;
  else if (unit == "p") shift = 50;
  else throw Error("invalid value for size: " + v);
  const double bytes = std::stod(num) * static_cast<double>(1ULL << shift);
  if (bytes >= 18e18) throw Error("invalid value for size: " + v);
  return static_cast<uint64_t>(bytes);
}

}  // namespace

std::string_view MountTypeName(MountType t) {
  switch (t) {
    case MountType::kBind: return "bind";
    case MountType::kCache: return "cache";
    case MountType::kTmpfs: return "tmpfs";
    case MountType::kSecret: return "secret";
    case MountType::kSsh: return "ssh";
  }
  return "bind";
}

namespace {

// The type decides which keys are allowed, wherever it is written, so it is
// read before any other field.
void ReadType(const std::vector<std::string>& fields, RunMountSpec& m) {
  for (const std::string& f : fields) {
    const size_t eq = f.find('=');
    if (AsciiLower(f.substr(0, eq)) != "type") continue;
    const std::string v = eq == std::string::npos ? "" : f.substr(eq + 1);
    std::optional<MountType> t = TypeNamed(AsciiLower(v));
    if (!t) throw Error("unsupported mount type \"" + v + "\"");
    m.type = *t;
  }
}

CacheSharing SharingNamed(const std::string& v) {
  if (v == "shared") return CacheSharing::kShared;
  if (v == "private") return CacheSharing::kPrivate;
  if (v == "locked") return CacheSharing::kLocked;
  throw Error("unsupported sharing value \"" + v + "\"");
}

// One key[=value] field, checked against the mount's type; ro/rw go to
// `ro`, since their default depends on the type.
void ReadField(const std::string& f, RunMountSpec& m, std::optional<bool>& ro) {
  const bool secretish = m.type == MountType::kSecret || m.type == MountType::kSsh;
  const size_t eq = f.find('=');
  const std::string key = AsciiLower(f.substr(0, eq));
  const bool has_value = eq != std::string::npos;
  const std::string v = has_value ? f.substr(eq + 1) : "";
  auto need_value = [&] {
    if (!has_value) throw Error("invalid field '" + f + "' must be a key=value pair");
  };
  if (key == "type") return;
  if (key == "readonly" || key == "ro") {
    ro = has_value ? ParseBool(key, v) : true;
  } else if (key == "readwrite" || key == "rw") {
    ro = !(has_value ? ParseBool(key, v) : true);
  } else if (key == "required" && secretish) {
    m.required = has_value ? ParseBool(key, v) : true;
  } else if (key == "id" && m.type != MountType::kBind && m.type != MountType::kTmpfs) {
    need_value();
    m.id = v;
  } else if (key == "source" || key == "src") {
    need_value();
    // A secret's or an ssh mount's source is the id it asks for.
    (secretish ? m.id : m.source) = v;
  } else if (key == "target" || key == "dst" || key == "destination") {
    need_value();
    m.target = v;
  } else if (key == "from" && (m.type == MountType::kBind || m.type == MountType::kCache)) {
    need_value();
    m.from = v;
  } else if (key == "sharing" && m.type == MountType::kCache) {
    need_value();
    m.sharing = SharingNamed(v);
  } else if (key == "mode" && (m.type == MountType::kCache || secretish)) {
    need_value();
    m.mode = static_cast<mode_t>(ParseUnsigned(key, v, 8, 07777));
  } else if (key == "uid" && (m.type == MountType::kCache || secretish)) {
    need_value();
    m.uid = static_cast<uid_t>(ParseUnsigned(key, v, 10, 0xfffffffe));
  } else if (key == "gid" && (m.type == MountType::kCache || secretish)) {
    need_value();
    m.gid = static_cast<gid_t>(ParseUnsigned(key, v, 10, 0xfffffffe));
  } else if (key == "size" && m.type == MountType::kTmpfs) {
    need_value();
    m.size = ParseSize(v);
  } else if (key == "env" && m.type == MountType::kSecret) {
    need_value();
    m.env = v;
  } else {
    throw Error("unexpected key '" + key + "' in '" + f + "'");
  }
}

// BuildKit's defaults for what the fields left out, and the target made
// absolute against the WORKDIR.
void CompleteMount(RunMountSpec& m, std::optional<bool> ro, const std::string& workdir) {
  // Bind mounts are read-only unless asked otherwise; the rest writable.
  m.readonly = ro.value_or(m.type == MountType::kBind);
  switch (m.type) {
    case MountType::kBind:
    case MountType::kCache:
    case MountType::kTmpfs:
      if (m.target.empty()) throw Error("mount type " + std::string(MountTypeName(m.type)) + " needs a target");
      break;
    case MountType::kSecret:
      if (m.id.empty() && m.target.empty()) throw Error("secret mount needs an id or a target");
      if (m.id.empty()) m.id = m.target.substr(m.target.rfind('/') + 1);
      if (m.target.empty() && m.env.empty()) m.target = "/run/secrets/" + m.id;
      break;
    case MountType::kSsh:
      if (m.id.empty()) m.id = "default";
      break;
  }
  if (!m.target.empty()) {
    std::string target = m.target[0] == '/' ? m.target : workdir + "/" + m.target;
    m.target = CleanPath("/" + target);
    if (m.target == "/") throw Error("invalid mount target \"/\"");
  }
  if (m.type == MountType::kCache && m.id.empty()) m.id = m.target;
}

}  // namespace

RunMountSpec ParseRunMount(std::string_view value, const std::string& workdir, const MountValueExpander& expand) {
  std::vector<std::string> fields = CsvFields(value);
  if (expand) {
    for (std::string& f : fields) {
      if (const size_t eq = f.find('='); eq != std::string::npos) f = f.substr(0, eq + 1) + expand(f.substr(eq + 1));
    }
  }
  RunMountSpec m;
  ReadType(fields, m);
  std::optional<bool> ro;
  for (const std::string& f : fields) {
    if (!f.empty()) ReadField(f, m, ro);
  }
  CompleteMount(m, ro, workdir);
  return m;
}

std::string RunMountKeyText(const RunMountSpec& m) {
  std::string s = "type=" + std::string(MountTypeName(m.type)) + ",target=" + m.target;
  if (!m.id.empty()) s += ",id=" + m.id;
  if (!m.source.empty()) s += ",source=" + m.source;
  if (!m.from.empty()) s += ",from=" + m.from;
  if (m.readonly) s += ",ro";
  if (m.required) s += ",required";
  if (m.type == MountType::kCache) {
    s += m.sharing == CacheSharing::kShared ? ",sharing=shared"
         : m.sharing == CacheSharing::kPrivate ? ",sharing=private" : ",sharing=locked";
  }
  if (m.mode) s += ",mode=" + std::to_string(*m.mode);
  if (m.uid) s += ",uid=" + std::to_string(*m.uid);
  if (m.gid) s += ",gid=" + std::to_string(*m.gid);
  if (m.size) s += ",size=" + std::to_string(*m.size);
  if (!m.env.empty()) s += ",env=" + m.env;
  return s;
}

std::vector<std::string> RunMountFroms(const std::vector<std::string>& mount_values) {
  std::vector<std::string> out;
  for (const std::string& v : mount_values) {
    try {
      RunMountSpec m = ParseRunMount(v, "/");
      if (!m.from.empty()) out.push_back(m.from);
    } catch (const Error&) {
      // Reported, located, when the RUN is dispatched.
    }
  }
  return out;
}

}  // namespace ubuild::builder
