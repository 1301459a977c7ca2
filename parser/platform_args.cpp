#include "parser/platform_args.h"

#include <sys/utsname.h>

#include <array>

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
