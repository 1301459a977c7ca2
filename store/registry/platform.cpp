#include "store/registry/platform.h"

#include <sys/utsname.h>

#include <vector>

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::store::registry {

namespace {

// Aliases containerd's platforms package normalises too; returns the
// variant an alias implies (armhf is arm/v7) in `variant` when it has none.
std::string NormalizeArchitecture(std::string arch, std::string& variant) {
  arch = AsciiLower(std::move(arch));
  if (arch == "x86_64" || arch == "x86-64") return "amd64";
  if (arch == "i386" || arch == "i686") return "386";
  if (arch == "aarch64") return "arm64";
  if (arch == "armhf" || arch == "armv7l") {
    if (variant.empty()) variant = "v7";
    return "arm";
  }
  if (arch == "armel") {
    if (variant.empty()) variant = "v6";
    return "arm";
  }
  return arch;
}

std::string DefaultVariant(const std::string& arch, const std::string& variant) {
  if (arch == "arm64" && variant == "v8") return "";
  return variant;
}

}  // namespace

Platform Platform::Parse(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  bool empty_part = false;
  for (const std::string& p : parts) empty_part = empty_part || p.empty();
  if (parts.size() < 2 || parts.size() > 3 || empty_part) {
    throw Error("invalid platform \"" + std::string(text) + "\": expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/arm64/v8");
  }
  Platform p;
  p.os = AsciiLower(parts[0]);
  if (parts.size() == 3) p.variant = AsciiLower(parts[2]);
  p.architecture = NormalizeArchitecture(parts[1], p.variant);
  return p;
}

Platform Platform::Host() {
  utsname u{};
  ::uname(&u);
  Platform p;
  p.os = "linux";
  p.architecture = NormalizeArchitecture(u.machine, p.variant);
  if (p.architecture == "arm64") p.variant = "v8";
  return p;
}

std::string Platform::String() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

bool Platform::Accepts(const Platform& candidate) const {
  std::string cvariant = candidate.variant;
  std::string carch = NormalizeArchitecture(candidate.architecture, cvariant);
  if (AsciiLower(candidate.os) != os || carch != architecture) return false;
  std::string want = DefaultVariant(architecture, variant);
  if (want.empty() && variant.empty()) return true;
  return DefaultVariant(carch, AsciiLower(cvariant)) == want;
}

}  // namespace ubuild::store::registry
