#pragma once
// The platform ARGs BuildKit predefines in the global scope (TARGETPLATFORM,
// TARGETOS, TARGETARCH, TARGETVARIANT and the BUILD* four), with Go's names
// for the architecture (containerd's platforms package), so that
// `GOARCH=$TARGETARCH` gets what Go expects.
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
};

// A uname(2) machine name ("x86_64", "aarch64", "armv7l") as a Linux
// platform with Go's architecture and variant names. An unknown machine
// keeps its own name as the architecture.
Platform PlatformFromMachine(std::string_view machine);

// The platform ubuild runs on (uname).
Platform HostPlatform();

// The eight predefined args, "NAME=value", TARGET* first, in BuildKit's order.
std::vector<std::string> PlatformArgs(const Platform& target, const Platform& build);

}  // namespace ubuild::parser
