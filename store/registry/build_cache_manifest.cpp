#include "store/registry/build_cache_manifest.h"

#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/oci_media_types.h"

namespace ubuild::store::registry {

namespace {

using Json = nlohmann::ordered_json;

Digest DigestField(const Json& j, const char* name, const std::string& what) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string() || !Digest::IsValid(j[name].get<std::string>())) {
    throw Error(std::string("not a build cache: \"") + name + "\" is not a digest", what);
  }
  return Digest::Parse(j[name].get<std::string>());
}

}  // namespace

CacheDocuments SerializeCacheManifest(const CacheManifest& cache) {
  Json steps = Json::array();
  for (const CacheStep& s : cache.steps) {
    Json j = {{"key", s.key.str()}, {"config", s.config}};
    if (s.layer) j["layer"] = *s.layer;
    steps.push_back(std::move(j));
  }
  CacheDocuments docs;
  docs.config = Json{{"steps", std::move(steps)}}.dump();
  Json m;
  m["schemaVersion"] = 2;
  m["mediaType"] = std::string(media_type::kOciManifest);
  m["config"] = {{"mediaType", std::string(kBuildCacheConfigType)},
                 {"digest", Sha256Of(docs.config).str()},
                 {"size", docs.config.size()}};
  m["layers"] = Json::array();
  for (const CacheLayer& l : cache.layers) {
    m["layers"].push_back({{"mediaType", l.blob.media_type},
                           {"digest", l.blob.digest.str()},
                           {"size", l.blob.size},
                           {"annotations", {{std::string(kBuildCacheDiffIdAnnotation), l.diff_id.str()}}}});
  }
  docs.manifest = m.dump();
  return docs;
}

Descriptor ParseCacheManifest(std::string_view manifest, CacheManifest* cache, const std::string& what) {
  Json m = Json::parse(manifest, nullptr, false);
  if (m.is_discarded() || !m.is_object()) throw Error("not a build cache: the manifest is not JSON", what);
  const Json& config = m.value("config", Json());
  if (!config.is_object() || config.value("mediaType", "") != kBuildCacheConfigType) {
    throw Error("not a build cache: the manifest's config is not a " + std::string(kBuildCacheConfigType), what);
  }
  Descriptor d{std::string(kBuildCacheConfigType), DigestField(config, "digest", what),
               config.value("size", uint64_t{0}), std::nullopt};
  cache->layers.clear();
  const Json& layers = m.value("layers", Json::array());
  if (!layers.is_array()) throw Error("not a build cache: \"layers\" is not a list", what);
  for (const Json& l : layers) {
    const Json& notes = l.is_object() ? l.value("annotations", Json::object()) : Json();
    CacheLayer layer{Descriptor{l.value("mediaType", ""), DigestField(l, "digest", what), l.value("size", uint64_t{0}),
                                std::nullopt},
                     DigestField(notes, kBuildCacheDiffIdAnnotation.data(), what)};
    if (!IsLayerMediaType(layer.blob.media_type)) {
      throw Error("not a build cache: layer media type " + layer.blob.media_type, what);
    }
    cache->layers.push_back(std::move(layer));
  }
  return d;
}

void ParseCacheConfig(std::string_view config, CacheManifest* cache, const std::string& what) {
  Json c = Json::parse(config, nullptr, false);
  if (c.is_discarded() || !c.is_object() || !c.value("steps", Json()).is_array()) {
    throw Error("not a build cache: the config has no step list", what);
  }
  cache->steps.clear();
  for (const Json& s : c["steps"]) {
    CacheStep step{DigestField(s, "key", what), {}, std::nullopt};
    if (!s.value("config", Json()).is_string()) throw Error("not a build cache: a step has no config", what);
    step.config = s["config"].get<std::string>();
    if (s.contains("layer")) {
      if (!s["layer"].is_number_unsigned() || s["layer"].get<size_t>() >= cache->layers.size()) {
        throw Error("not a build cache: a step names a layer the manifest does not list", what);
      }
      step.layer = s["layer"].get<size_t>();
    }
    cache->steps.push_back(std::move(step));
  }
}

}  // namespace ubuild::store::registry
