#include "parser/platform_args.h"

#include <sys/utsname.h>

#include <array>
#include <vector>

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::parser {

std::string Platform::Format() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Platform PlatformFromMachine(std::string_view machine) {
  struct Name {
    std::string_view machine, arch, variant;
  };
  // uname machine -> GOARCH and variant, as containerd's platforms.Normalize
  // maps them; arm64 carries no variant (its v8 is the default and dropped).
  static constexpr std::array<Name, 13> kNames{{
      {"x86_64", "amd64", ""},   {"amd64", "amd64", ""},     {"i386", "386", ""},
      {"i486", "386", ""},       {"i586", "386", ""},        {"i686", "386", ""},
      {"aarch64", "arm64", ""},  {"arm64", "arm64", ""},     {"armv5tel", "arm", "v5"},
      {"armv6l", "arm", "v6"},   {"armv7l", "arm", "v7"},    {"armv8l", "arm", "v8"},
      {"loongarch64", "loong64", ""},
  }};
  for (const Name& n : kNames) {
    if (n.machine == machine) return {"linux", std::string(n.arch), std::string(n.variant)};
  }
  return {"linux", std::string(machine), ""};
}

namespace {

// Go's GOOS and GOARCH names: what a lone word of a --platform value may be.
constexpr std::array<std::string_view, 16> kKnownOs{"aix",   "android", "darwin",  "dragonfly", "freebsd", "hurd",
                                                    "illumos", "ios",  "js",      "linux",     "netbsd",  "openbsd",
                                                    "plan9", "solaris", "windows", "zos"};
constexpr std::array<std::string_view, 22> kKnownArch{
    "386",    "amd64",    "arm",      "armbe",  "arm64", "arm64be", "loong64", "mips",
    "mipsle", "mips64",   "mips64le", "ppc",    "ppc64", "ppc64le", "riscv",   "riscv64",
    "s390",   "s390x",    "sparc",    "sparc64", "wasm", "amd64p32"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& names, std::string_view word) {
  for (std::string_view n : names) {
    if (n == word) return true;
  }
  return false;
}

// containerd's architecture aliases and default variants, as BuildKit
// normalises a platform before it fills TARGETPLATFORM.
void NormalizeArch(Platform& p) {
  std::string& arch = p.architecture;
  std::string& variant = p.variant;
  if (arch == "i386") {
    arch = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant == "8" || variant == "v8") variant.clear();
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty() || variant == "7") {
      variant = "v7";
    } else if (variant == "5" || variant == "6" || variant == "8") {
      variant = "v" + variant;
    }
  }
}

bool ValidPart(std::string_view part) {
  if (part.empty()) return false;
  for (char c : part) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Platform ParsePlatform(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t slash = text.find('/', start);
    parts.push_back(AsciiLower(std::string(text.substr(start, slash == std::string_view::npos ? slash : slash - start))));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (parts.size() > 3) throw Error("invalid platform " + quoted + ": expected OS/ARCH[/VARIANT], e.g. linux/arm64");
  for (const std::string& part : parts) {
    if (!ValidPart(part)) {
      throw Error("invalid platform " + quoted +
                  ": each part of OS/ARCH[/VARIANT] must be letters, digits, '_' or '-', e.g. linux/arm/v7");
    }
  }
  Platform p;
  if (parts.size() == 1) {
    const std::string word = parts[0] == "macos" ? "darwin" : parts[0];
    if (OneOf(kKnownOs, word)) {
      const Platform host = HostPlatform();
      return {word, host.architecture, host.variant};
    }
    p = {"linux", word, ""};
    NormalizeArch(p);
    if (!OneOf(kKnownArch, p.architecture)) throw Error("invalid platform " + quoted + ": unknown operating system or architecture");
    return p;
  }
  p.os = parts[0] == "macos" ? "darwin" : parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  NormalizeArch(p);
  return p;
}

Platform HostPlatform() {
  struct utsname u{};
  uname(&u);
  return PlatformFromMachine(u.machine);
}

std::vector<std::string> PlatformArgs(const Platform& target, const Platform& build) {
  return {
      "TARGETPLATFORM=" + target.Format(), "TARGETOS=" + target.os,
      "TARGETARCH=" + target.architecture, "TARGETVARIANT=" + target.variant,
      "BUILDPLATFORM=" + build.Format(),   "BUILDOS=" + build.os,
      "BUILDARCH=" + build.architecture,   "BUILDVARIANT=" + build.variant,
  };
}

}  // namespace ubuild::parser
