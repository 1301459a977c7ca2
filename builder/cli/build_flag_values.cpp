#include "builder/cli/build_flag_values.h"

#include <arpa/inet.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <map>

#include "builder/cli/commands.h"

namespace ubuild::cli {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool ParseInt64(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0' || errno != 0) return false;
  *out = n;
  return true;
}

}  // namespace

int64_t ParseByteSize(const std::string& flag, const std::string& v) {
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  std::string unit = Lower(v.substr(digits));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  const std::string units = "bkmgtp";
  const size_t power = unit.empty() ? 0 : units.find(unit);
  if (digits == 0 || digits > 18 || unit.size() > 1 || power == std::string::npos) {
    throw UsageError("--" + flag + " " + v + ": want a size such as 512m or 2g");
  }
  int64_t bytes = std::stoll(v.substr(0, digits));
  for (size_t i = 0; i < power; ++i) {
    if (bytes > (INT64_MAX >> 10)) throw UsageError("--" + flag + " " + v + ": too large");
    bytes <<= 10;
  }
  return bytes;
}

builder::ExtraHost ParseAddHost(const std::string& value) {
  // docker splits at the first ':' (an IPv6 address keeps its own colons);
  // docker >= 25 also takes '='.
  const size_t sep = value.find_first_of(":=");
  if (sep == std::string::npos || sep == 0 || sep + 1 == value.size()) {
    throw UsageError("--add-host " + value + ": want NAME:ADDRESS (e.g. db:10.0.0.5)");
  }
  builder::ExtraHost host{value.substr(0, sep), value.substr(sep + 1)};
  if (host.address.size() > 2 && host.address.front() == '[' && host.address.back() == ']') {
    host.address = host.address.substr(1, host.address.size() - 2);
  }
  if (host.address != "host-gateway" && !IsIpAddress(host.address)) {
    throw UsageError("--add-host " + value + ": " + host.address + " is not an IP address (nor host-gateway)");
  }
  if (host.name.find_first_of(" \t\n") != std::string::npos) {
    throw UsageError("--add-host " + value + ": the name holds white space");
  }
  return host;
}

builder::RunUlimit ParseUlimit(const std::string& value) {
  static const std::map<std::string, int> kNames = {
      {"core", RLIMIT_CORE},       {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},
      {"fsize", RLIMIT_FSIZE},     {"locks", RLIMIT_LOCKS},     {"memlock", RLIMIT_MEMLOCK},
      {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},     {"nofile", RLIMIT_NOFILE},
      {"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},         {"rtprio", RLIMIT_RTPRIO},
      {"rttime", RLIMIT_RTTIME},   {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
  };
  const size_t eq = value.find('=');
  if (eq == std::string::npos) throw UsageError("--ulimit " + value + ": want NAME=SOFT[:HARD] (e.g. nofile=1024:2048)");
  const std::string name = value.substr(0, eq);
  auto it = kNames.find(name);
  if (it == kNames.end()) {
    std::string list;
    for (const auto& [n, r] : kNames) list += (list.empty() ? "" : ", ") + n;
    throw UsageError("--ulimit " + value + ": unknown limit " + name + " (one of " + list + ")");
  }
  const std::string limits = value.substr(eq + 1);
  const size_t colon = limits.find(':');
  int64_t soft = 0, hard = 0;
  const bool ok = ParseInt64(limits.substr(0, colon), &soft) &&
                  (colon == std::string::npos ? (hard = soft, true) : ParseInt64(limits.substr(colon + 1), &hard));
  if (!ok || soft < -1 || hard < -1) {
    throw UsageError("--ulimit " + value + ": want numbers, SOFT[:HARD] (-1: unlimited)");
  }
  // go-units compares them as numbers, so -1 ("unlimited") counts as lowest there; here it is the highest.
  auto as_rlim = [](int64_t n) { return n == -1 ? RLIM_INFINITY : static_cast<uint64_t>(n); };
  if (as_rlim(soft) > as_rlim(hard)) {
    throw UsageError("--ulimit " + value + ": the soft limit must not exceed the hard limit");
  }
  return builder::RunUlimit{it->second, as_rlim(soft), as_rlim(hard)};
}

std::pair<std::string, builder::NamedContext> ParseBuildContext(const std::string& value) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    throw UsageError("--build-context " + value + ": want NAME=DIR or NAME=docker-image://REF");
  }
  const std::string name = value.substr(0, eq), source = value.substr(eq + 1);
  if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-/") != std::string::npos) {
    throw UsageError("--build-context " + value + ": the name " + name +
                     " may hold only lower-case letters, digits, '.', '_', '-' and '/'");
  }
  builder::NamedContext context;
  constexpr std::string_view kImage = "docker-image://";
  if (source.compare(0, kImage.size(), kImage) == 0) {
    context.is_image = true;
    context.image = source.substr(kImage.size());
    if (context.image.empty()) throw UsageError("--build-context " + value + ": docker-image:// names no image");
    return {name, context};
  }
  if (const size_t scheme = source.find("://"); scheme != std::string::npos || source.rfind("target:", 0) == 0) {
    throw UsageError("--build-context " + value + ": ubuild takes a directory or docker-image://REF, not " +
                     source.substr(0, scheme == std::string::npos ? source.find(':') + 1 : scheme + 3));
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(source, ec)) {
    throw UsageError("--build-context " + value + ": " + source + " is not a directory");
  }
  context.dir = std::filesystem::absolute(source);
  return {name, context};
}

OutputSpec ParseOutput(const std::string& value) {
  OutputSpec out;
  if (value.empty()) throw UsageError("--output: want type=local|tar|docker|oci,dest=PATH or a directory");
  // buildx: a value without '=' or ',' is a local directory ("-" a tar on stdout).
  if (value.find_first_of("=,") == std::string::npos) {
    out.type = value == "-" ? OutputSpec::Type::kTar : OutputSpec::Type::kLocal;
    out.dest = value;
    return out;
  }
  std::string type;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    const std::string field = value.substr(start, end - start);
    start = end + 1;
    const size_t eq = field.find('=');
    if (eq == std::string::npos) throw UsageError("--output " + value + ": " + field + " is not KEY=VALUE");
    const std::string key = Lower(field.substr(0, eq)), v = field.substr(eq + 1);
    if (key == "type") {
      type = v;
    } else if (key == "dest") {
      out.dest = v;
    } else if (key == "name") {
      out.name = v;
    } else {
      throw UsageError("--output " + value + ": ubuild knows the keys type, dest and name, not " + key);
    }
  }
  if (type == "local") {
    out.type = OutputSpec::Type::kLocal;
  } else if (type == "tar") {
    out.type = OutputSpec::Type::kTar;
  } else if (type == "docker") {
    out.type = OutputSpec::Type::kDocker;
  } else if (type == "oci") {
    out.type = OutputSpec::Type::kOci;
  } else {
    throw UsageError("--output " + value + ": type " + (type.empty() ? "missing" : type) +
                     ": ubuild writes type=local, tar, docker or oci");
  }
  if (out.dest.empty()) throw UsageError("--output " + value + ": dest=PATH is missing");
  if (out.type == OutputSpec::Type::kLocal && out.dest == "-") {
    throw UsageError("--output " + value + ": type=local needs a directory, not standard output");
  }
  return out;
}

}  // namespace ubuild::cli
