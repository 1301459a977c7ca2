#include "store/archive_image_plan.h"

#include <sys/utsname.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/chain_id.h"
#include "store/base/error.h"
#include "store/image_config.h"
#include "store/oci_media_types.h"
#include "store/reference_forms.h"
#include "store/reference_store.h"
#include "store/spooled_archive.h"

namespace ubuild::store {

namespace {

using json = nlohmann::json;

constexpr int kMaxIndexDepth = 8;

json ParseJson(const std::string& text, const std::string& what, const std::string& member) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error(member + " is not valid JSON", what);
  return j;
}

std::string NormalizeTag(const std::string& raw, const std::string& what) {
  try {
    return NormalizeReference(FamiliarReference(raw));
  } catch (const Error& e) {
    throw Error("bad image name \"" + raw + "\": " + e.what(), what);
  }
}

void AddTag(ImagePlan& plan, const std::string& tag) {
  if (std::find(plan.tags.begin(), plan.tags.end(), tag) == plan.tags.end()) plan.tags.push_back(tag);
}

struct Descriptor {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  json annotations;
  json platform;
};

Descriptor ParseDescriptor(const json& j, const std::string& what, const std::string& context) {
  if (!j.is_object()) throw Error(context + ": descriptor is not an object", what);
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  auto dig = j.find("digest");
  if (dig == j.end() || !dig->is_string()) throw Error(context + ": descriptor without a digest", what);
  const std::string& text = dig->get_ref<const std::string&>();
  if (text.rfind("sha256:", 0) != 0) throw Error(context + ": unsupported digest algorithm in " + text, what);
  d.digest = Digest::Parse(text);
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    throw Error(context + ": descriptor " + text + " without a valid size", what);
  }
  d.size = size->get<uint64_t>();
  d.annotations = j.value("annotations", json::object());
  d.platform = j.value("platform", json::object());
  return d;
}

std::string BlobPath(const Digest& d) { return "blobs/sha256/" + d.hex(); }

// The blob a descriptor names, with its size and digest checked.
std::string ReadBlob(const LayoutFiles& archive, const Descriptor& d, const std::string& what) {
  std::string path = BlobPath(d.digest);
  auto size = archive.Size(path);
  if (!size) throw Error("blob " + d.digest.str() + " is missing", what);
  if (*size != d.size) {
    throw Error("blob " + d.digest.str() + " has " + std::to_string(*size) + " bytes, descriptor says " +
                    std::to_string(d.size),
                what);
  }
  std::string bytes = archive.ReadString(path);
  if (bytes.size() != d.size) {
    throw Error("blob " + d.digest.str() + " has " + std::to_string(bytes.size()) + " bytes, descriptor says " +
                    std::to_string(d.size),
                what);
  }
  if (Sha256Of(bytes) != d.digest) throw Error("blob " + d.digest.str() + " does not match its digest", what);
  return bytes;
}

bool IsIndex(const std::string& mt) { return mt == media_type::kOciIndex || mt == media_type::kDockerManifestList; }
bool IsManifest(const std::string& mt) { return mt == media_type::kOciManifest || mt == media_type::kDockerManifest; }
bool IsLayer(const std::string& mt) {
  return mt == media_type::kOciLayer || mt == media_type::kOciLayerGzip || mt == media_type::kOciLayerZstd ||
         mt == media_type::kDockerLayer ||
         mt == media_type::kDockerLayerGzip || mt == media_type::kOciLayerNondistributable ||
         mt == media_type::kOciLayerNondistributableGzip;
}

bool MatchesHost(const json& platform) {
  if (!platform.is_object() || platform.empty()) return false;
  return platform.value("os", "") == "linux" && platform.value("architecture", "") == HostArchitecture();
}

// Names from a top-level index descriptor: the fully qualified name when
// there is one (Docker >= 25, containerd), else a ref.name that is itself a
// "name:tag" (skopeo's oci:DIR:name:tag). A bare tag names no repository.
std::vector<std::string> NamesOf(const Descriptor& d, const std::string& what) {
  std::vector<std::string> names;
  if (!d.annotations.is_object()) return names;
  std::string full = d.annotations.value(std::string(annotation::kImageName), "");
  std::string ref = d.annotations.value(std::string(annotation::kRefName), "");
  if (!full.empty()) {
    names.push_back(NormalizeTag(full, what));
  } else if (ref.find(':') != std::string::npos || ref.find('/') != std::string::npos) {
    names.push_back(NormalizeTag(ref, what));
  }
  return names;
}

void AddPlan(std::vector<ImagePlan>& plans, ImagePlan plan) {
  for (ImagePlan& p : plans) {
    if (p.id == plan.id) {
      for (const std::string& t : plan.tags) AddTag(p, t);
      return;
    }
  }
  plans.push_back(std::move(plan));
}

void FollowDescriptor(const LayoutFiles& archive, const Descriptor& d, const std::vector<std::string>& names,
                      int depth, std::vector<ImagePlan>& plans, const std::string& what) {
  if (depth > kMaxIndexDepth) throw Error("image indexes nested too deeply", what);
  if (IsIndex(d.media_type)) {
    json index = ParseJson(ReadBlob(archive, d, what), what, "index " + d.digest.str());
    const json& manifests = index.value("manifests", json::array());
    if (!manifests.is_array()) throw Error("index " + d.digest.str() + " has no manifests array", what);
    std::vector<Descriptor> all;
    for (const json& m : manifests) all.push_back(ParseDescriptor(m, what, "index " + d.digest.str()));
    for (const Descriptor& m : all) {
      if (MatchesHost(m.platform)) return FollowDescriptor(archive, m, names, depth + 1, plans, what);
    }
    // An index without platforms (or with one entry) still names an image.
    for (const Descriptor& m : all) {
      if ((IsManifest(m.media_type) || IsIndex(m.media_type)) && (m.platform.empty() || all.size() == 1)) {
        return FollowDescriptor(archive, m, names, depth + 1, plans, what);
      }
    }
    throw Error("index " + d.digest.str() + " has no image for linux/" + HostArchitecture(), what);
  }
  if (!IsManifest(d.media_type)) {
    throw Error("unsupported media type \"" + d.media_type + "\" for " + d.digest.str(), what);
  }
  json manifest = ParseJson(ReadBlob(archive, d, what), what, "manifest " + d.digest.str());
  std::string context = "manifest " + d.digest.str();
  Descriptor config = ParseDescriptor(manifest.value("config", json()), what, context);
  const json& layers = manifest.value("layers", json::array());
  if (!layers.is_array()) throw Error(context + ": layers is not an array", what);

  ImagePlan plan;
  plan.config_path = BlobPath(config.digest);
  SetConfig(plan, ReadBlob(archive, config, what), what);
  if (layers.size() != plan.diff_ids.size()) {
    throw Error(context + " lists " + std::to_string(layers.size()) + " layers, its config has " +
                    std::to_string(plan.diff_ids.size()) + " diff_ids",
                what);
  }
  for (size_t i = 0; i < layers.size(); ++i) {
    Descriptor l = ParseDescriptor(layers[i], what, context);
    if (!IsLayer(l.media_type)) throw Error(context + ": unsupported layer media type \"" + l.media_type + "\"", what);
    std::string path = BlobPath(l.digest);
    auto size = archive.Size(path);
    if (!size) throw Error("blob " + l.digest.str() + " is missing", what);
    if (*size != l.size) {
      throw Error("blob " + l.digest.str() + " has " + std::to_string(*size) + " bytes, descriptor says " +
                      std::to_string(l.size),
                  what);
    }
    plan.layers[i].path = path;
    plan.layers[i].blob_digest = l.digest == plan.diff_ids[i] ? std::nullopt : std::optional<Digest>(l.digest);
  }
  plan.tags = names;
  AddPlan(plans, std::move(plan));
}

}  // namespace

std::optional<Digest> DigestOfBlobPath(const std::string& path) {
  const std::string prefix = "blobs/sha256/";
  if (path.size() != prefix.size() + 64 || path.rfind(prefix, 0) != 0) return std::nullopt;
  std::string_view hex(path.data() + prefix.size(), 64);
  if (!Digest::IsValid("sha256:" + std::string(hex))) return std::nullopt;
  return Digest::FromHex(hex);
}

std::string HostArchitecture() {
  struct utsname u {};
  if (uname(&u) != 0) return "amd64";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

std::vector<ImagePlan> ParseDockerManifest(const std::string& text, const std::string& what) {
  json j = ParseJson(text, what, "manifest.json");
  if (!j.is_array()) throw Error("manifest.json is not a JSON array", what);
  std::vector<ImagePlan> plans;
  for (const json& entry : j) {
    if (!entry.is_object()) throw Error("manifest.json entry is not an object", what);
    ImagePlan plan;
    plan.from_docker_manifest = true;
    auto config = entry.find("Config");
    if (config == entry.end() || !config->is_string()) throw Error("manifest.json entry without Config", what);
    plan.config_path = NormalizeMemberPath(config->get<std::string>());
    if (plan.config_path.empty()) throw Error("manifest.json: bad Config path " + config->dump(), what);
    auto layers = entry.find("Layers");
    if (layers != entry.end() && !layers->is_null()) {
      if (!layers->is_array()) throw Error("manifest.json: Layers is not an array", what);
      for (const json& l : *layers) {
        if (!l.is_string()) throw Error("manifest.json: Layers holds a non-string", what);
        std::string p = NormalizeMemberPath(l.get<std::string>());
        if (p.empty()) throw Error("manifest.json: bad layer path " + l.dump(), what);
        plan.layer_paths_from_manifest.push_back(p);
      }
    }
    auto tags = entry.find("RepoTags");
    if (tags != entry.end() && !tags->is_null()) {
      if (!tags->is_array()) throw Error("manifest.json: RepoTags is not an array", what);
      for (const json& t : *tags) {
        if (!t.is_string()) throw Error("manifest.json: RepoTags holds a non-string", what);
        AddTag(plan, NormalizeTag(t.get<std::string>(), what));
      }
    }
    plans.push_back(std::move(plan));
  }
  if (plans.empty()) throw Error("manifest.json names no images", what);
  return plans;
}

void SetConfig(ImagePlan& plan, std::string config, const std::string& what) {
  Digest id = Sha256Of(config);
  if (auto named = DigestOfBlobPath(plan.config_path); named && *named != id) {
    throw Error("config blob \"" + plan.config_path + "\" does not match its digest", what);
  }
  json j = ParseJson(config, what, "config " + id.str());
  if (!j.is_object()) throw Error("config " + id.str() + " is not a JSON object", what);
  const json& rootfs = j.value("rootfs", json::object());
  if (!rootfs.is_object() || rootfs.value("type", "") != "layers") {
    throw Error("config " + id.str() + " has no rootfs of type \"layers\"", what);
  }
  std::vector<Digest> diff_ids = ParseDiffIds(j, what + ": config " + id.str());
  plan.id = id;
  plan.config = std::move(config);
  plan.diff_ids = diff_ids;
  plan.chain_ids = ChainIds(diff_ids);
  plan.layers.assign(diff_ids.size(), ArchiveLayer{});
  if (plan.from_docker_manifest) {
    if (plan.layer_paths_from_manifest.size() != diff_ids.size()) {
      throw Error("manifest.json lists " + std::to_string(plan.layer_paths_from_manifest.size()) +
                      " layers for config " + id.str() + ", which has " + std::to_string(diff_ids.size()) +
                      " diff_ids",
                  what);
    }
    for (size_t i = 0; i < diff_ids.size(); ++i) {
      plan.layers[i].path = plan.layer_paths_from_manifest[i];
      // A blob named by a digest other than the diff_id is a compressed
      // layer: its own digest is checked as it is read.
      auto named = DigestOfBlobPath(plan.layers[i].path);
      if (named && *named != diff_ids[i]) plan.layers[i].blob_digest = named;
    }
  }
}

void CheckOciLayoutVersion(const LayoutFiles& files, bool required, const std::string& what) {
  if (!files.Size("oci-layout")) {
    if (required) throw Error("oci-layout is missing: not an OCI image layout", what);
    return;
  }
  json j = ParseJson(files.ReadString("oci-layout"), what, "oci-layout");
  const json version = j.is_object() ? j.value("imageLayoutVersion", json()) : json();
  if (!version.is_string()) throw Error("oci-layout has no imageLayoutVersion", what);
  if (version.get<std::string>() != "1.0.0") {
    throw Error("oci-layout: unsupported imageLayoutVersion \"" + version.get<std::string>() + "\" (ubuild reads 1.0.0)",
                what);
  }
}

std::vector<ImagePlan> PlanFromOciLayout(const LayoutFiles& archive, const std::string& what) {
  if (!archive.Size("index.json")) throw Error("index.json is missing", what);
  json index = ParseJson(archive.ReadString("index.json"), what, "index.json");
  if (!index.is_object()) throw Error("index.json is not a JSON object", what);
  const json& manifests = index.value("manifests", json::array());
  if (!manifests.is_array() || manifests.empty()) throw Error("index.json lists no manifests", what);
  std::vector<ImagePlan> plans;
  for (const json& m : manifests) {
    Descriptor d = ParseDescriptor(m, what, "index.json");
    FollowDescriptor(archive, d, NamesOf(d, what), 0, plans, what);
  }
  return plans;
}

}  // namespace ubuild::store
