#include "store/registry/manifest.h"

#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/oci_media_types.h"

namespace ubuild::store::registry {

namespace {

namespace mt = media_type;

Descriptor ParseDescriptor(const nlohmann::json& j, const std::string& what) {
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  const auto& digest = j.at("digest").get_ref<const std::string&>();
  if (!Digest::IsValid(digest)) throw Error("unsupported or malformed digest \"" + digest + "\"", what);
  d.digest = Digest::Parse(digest);
  if (!j.at("size").is_number_unsigned()) throw Error("descriptor " + digest + " has no valid size", what);
  d.size = j.at("size").get<uint64_t>();
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    Platform platform;
    platform.os = p->value("os", "");
    platform.architecture = p->value("architecture", "");
    platform.variant = p->value("variant", "");
    d.platform = platform;
  }
  return d;
}

}  // namespace

std::string ManifestAcceptHeader() {
  return std::string(mt::kDockerManifest) + ", " + std::string(mt::kDockerManifestList) + ", " +
         std::string(mt::kOciManifest) + ", " + std::string(mt::kOciIndex);
}

Manifest ParseManifest(std::string_view bytes, std::string_view content_type, const std::string& what) {
  if (bytes.size() > kMaxManifestBytes) {
    throw Error("manifest is " + std::to_string(bytes.size()) + " bytes, more than the " +
                    std::to_string(kMaxManifestBytes) + " a manifest may have",
                what);
  }
  Manifest m;
  try {
    nlohmann::json j = nlohmann::json::parse(bytes);
    if (!j.is_object()) throw Error("manifest is not a JSON object", what);
    m.media_type = j.value("mediaType", "");
    if (m.media_type.empty()) m.media_type = std::string(content_type.substr(0, content_type.find(';')));
    if (m.media_type.empty()) m.media_type = std::string(j.contains("manifests") ? mt::kOciIndex : mt::kOciManifest);
    if (m.media_type == mt::kDockerManifestList || m.media_type == mt::kOciIndex) {
      m.kind = Manifest::Kind::kIndex;
      for (const auto& e : j.at("manifests")) m.manifests.push_back(ParseDescriptor(e, what));
    } else if (m.media_type == mt::kDockerManifest || m.media_type == mt::kOciManifest) {
      if (j.value("schemaVersion", 0) != 2) throw Error("unsupported schemaVersion in manifest", what);
      m.config = ParseDescriptor(j.at("config"), what);
      for (const auto& l : j.at("layers")) {
        Descriptor d = ParseDescriptor(l, what);
        if (!IsLayerMediaType(d.media_type)) {
          throw Error("layer " + d.digest.str() + " has media type \"" + d.media_type + "\", which ubuild cannot unpack",
                      what);
        }
        m.layers.push_back(std::move(d));
      }
    } else {
      throw Error("unsupported manifest media type \"" + m.media_type +
                      "\" (ubuild reads Docker schema2 and OCI manifests and indexes)",
                  what);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed manifest: ") + e.what(), what);
  }
  return m;
}

const Descriptor& ChoosePlatform(const Manifest& index, const Platform& want, const std::string& what) {
  std::string available;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform) continue;
    if (want.Accepts(*d.platform)) return d;
    // Attestation manifests ("unknown/unknown") are not images to choose.
    if (d.platform->os == "unknown") continue;
    available += (available.empty() ? "" : ", ") + d.platform->String();
  }
  throw Error("no matching manifest for " + want.String() + " in the manifest list entries (available: " +
                  (available.empty() ? "none" : available) + "); choose one with --platform",
              what);
}

void CheckManifestDigest(std::string_view bytes, const Digest& expected, const std::string& what) {
  Digest actual = Sha256Of(bytes);
  if (actual != expected) {
    throw Error("manifest digest mismatch: expected " + expected.str() + ", the bytes hash to " + actual.str(), what);
  }
}

bool IsLayerMediaType(std::string_view t) {
  return t == mt::kDockerLayer || t == mt::kDockerLayerGzip || t == mt::kDockerLayerZstd || t == mt::kOciLayer ||
         t == mt::kOciLayerGzip || t == mt::kOciLayerZstd;
}

}  // namespace ubuild::store::registry
