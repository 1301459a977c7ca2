#pragma once
// The platform ARGs BuildKit predefines in the global scope (TARGETPLATFORM,
// TARGETOS, TARGETARCH, TARGETVARIANT and the BUILD* four), with Go's names
// for the architecture (containerd's platforms package), so that
// `GOARCH=$TARGETARCH` gets what Go expects; and the `--platform` values
// (`ubuild build --platform`, `FROM --platform=`) they come from.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ubuild::parser {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  // "linux/amd64", "linux/arm/v7": os/arch[/variant].
  std::string Format() const;
  bool operator==(const Platform&) const = default;
};

// A --platform value, "os/arch[/variant]" (or an os or arch alone, the rest
// taken from the host), normalised as containerd's platforms.Normalize does
// for BuildKit: "linux/aarch64" and "linux/arm64/v8" are linux/arm64,
// "linux/arm" is linux/arm/v7, "linux/x86_64" is linux/amd64. Throws
// ubuild::Error naming the value when it is not one.
Platform ParsePlatform(std::string_view text);

// A uname(2) machine name ("x86_64", "aarch64", "armv7l") as a Linux
// platform with Go's architecture and variant names. An unknown machine
// keeps its own name as the architecture.
Platform PlatformFromMachine(std::string_view machine);

// The platform ubuild runs on (uname).
Platform HostPlatform();

// The eight predefined args, "NAME=value", TARGET* first, in BuildKit's order.
std::vector<std::string> PlatformArgs(const Platform& target, const Platform& build);

}  // namespace ubuild::parser
