#pragma once
// An image platform (os/architecture/variant) as `--platform` spells it and
// as manifest lists and OCI indexes describe their entries, with the
// architecture names Go uses (uname's x86_64 is amd64, aarch64 is arm64).
#include <string>
#include <string_view>

namespace ubuild::store::registry {

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // "amd64", "arm64", "arm"
  std::string variant;       // "v7", "v8" or empty

  // "linux/arm64/v8", "linux/amd64"; aliases normalised. Throws ubuild::Error.
  static Platform Parse(std::string_view text);
  // The machine ubuild runs on.
  static Platform Host();

  std::string String() const;  // "linux/arm64/v8"
  // Does an entry for `candidate` satisfy this wanted platform? An empty
  // wanted variant takes any; arm64's "v8" is its default, so "" equals it.
  bool Accepts(const Platform& candidate) const;
};

}  // namespace ubuild::store::registry
