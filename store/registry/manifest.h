#pragma once
// Registry manifests: Docker schema2 image manifests and OCI image
// manifests (a config and layers), Docker manifest lists and OCI indexes (a
// manifest per platform). Bytes are checked against their digest, since the
// digest is the manifest's identity (a RepoDigest, a pull by digest).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/digest.h"
#include "store/registry/platform.h"

namespace ubuild::store::registry {

// Manifests larger than this are refused before they are parsed, as
// containerd and Docker do (4 MiB).
inline constexpr size_t kMaxManifestBytes = 4 << 20;

// The Accept header of a manifest GET: every kind ubuild reads.
std::string ManifestAcceptHeader();

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  std::optional<Platform> platform;  // index entries only
};

struct Manifest {
  enum class Kind { kImage, kIndex };
  Kind kind = Kind::kImage;
  std::string media_type;
  Descriptor config;                 // kImage
  std::vector<Descriptor> layers;    // kImage
  std::vector<Descriptor> manifests; // kIndex
};

// `content_type` is the response's Content-Type (used when the body has no
// mediaType, as OCI allows). `what` names the manifest in errors.
Manifest ParseManifest(std::string_view bytes, std::string_view content_type, const std::string& what);

// The index entry for `want`; throws, listing the platforms the index has.
const Descriptor& ChoosePlatform(const Manifest& index, const Platform& want, const std::string& what);

// sha256(bytes) must equal `expected`; the error names both.
void CheckManifestDigest(std::string_view bytes, const Digest& expected, const std::string& what);

// Is this a layer media type ubuild can unpack (tar, gzip, zstd)?
bool IsLayerMediaType(std::string_view media_type);

}  // namespace ubuild::store::registry
