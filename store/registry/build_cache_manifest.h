#pragma once
// The build cache as a registry stores it (README "A build cache shared
// through a registry"): an OCI image manifest whose config blob lists the
// steps — each step's cache key (the key store/build_cache.h uses, which
// holds no machine detail) with the exact config bytes the step produced
// and, when the step made a layer, the index of its blob among the
// manifest's layers. Each layer descriptor carries the layer's diff_id as
// an annotation, so a builder knows which blob holds which layer without
// downloading it. The same two documents make the cache in an OCI layout
// directory (type=local).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/digest.h"
#include "store/registry/manifest.h"

namespace ubuild::store::registry {

inline constexpr std::string_view kBuildCacheConfigType = "application/vnd.ubuild.buildcache.config.v1+json";
inline constexpr std::string_view kBuildCacheDiffIdAnnotation = "dev.ubuild.buildcache.diff_id";
// --cache-to type=inline: the step list (the config blob's document, with
// each `layer` indexing the image's own diff_ids) as a string under this
// top-level key of the pushed image's config, as BuildKit keeps its inline
// cache under "moby.buildkit.cache.v0".
inline constexpr const char* kInlineBuildCacheKey = "dev.ubuild.buildcache.inline.v1";

struct CacheLayer {
  Descriptor blob;  // the compressed blob
  Digest diff_id;   // the digest of its tar
};

struct CacheStep {
  Digest key;
  std::string config;          // the step's image config, byte for byte (its id is their SHA-256)
  std::optional<size_t> layer;  // index into CacheManifest::layers of the layer the step made
};

struct CacheManifest {
  std::vector<CacheLayer> layers;
  std::vector<CacheStep> steps;
};

// The config blob's bytes and the manifest naming it (whose descriptor for
// the config is filled from those bytes).
struct CacheDocuments {
  std::string config;
  std::string manifest;
};
CacheDocuments SerializeCacheManifest(const CacheManifest& cache);

// Reads the manifest's layer list; throws ubuild::Error unless it is a
// build cache manifest (a foreign image or artifact is an error here, which
// the importer turns into a warning). Returns the config blob's descriptor.
Descriptor ParseCacheManifest(std::string_view manifest, CacheManifest* cache, const std::string& what);
// Fills `cache->steps` from the config blob; a step naming a layer the
// manifest lacks, or a config that is not JSON, is an error.
void ParseCacheConfig(std::string_view config, CacheManifest* cache, const std::string& what);

}  // namespace ubuild::store::registry
