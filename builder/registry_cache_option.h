#pragma once
// --cache-to and --cache-from, in BuildKit's syntax so CI configurations
// carry over: comma-separated key=value pairs, `type` first or anywhere.
//   --cache-to   type=registry,ref=R[,mode=min|max]   type=local,dest=DIR[,mode=...]
//                type=inline (in the built image's config; mode=min only)
//   --cache-from type=registry,ref=R   type=local,src=DIR
//   --cache-from IMAGE_REF   an image as cache, Docker's classic form
//                            (builder/registry_cache_image.h)
#include <filesystem>
#include <string>

namespace ubuild::builder {

struct CacheLocation {
  enum class Kind { kRegistry, kLocal, kImage, kInline };
  Kind kind = Kind::kRegistry;
  std::string ref;              // kRegistry: a reference with a tag; kImage: any the store or a pull resolves
  std::filesystem::path dir;    // kLocal: an OCI layout directory
  bool all_stages = false;      // --cache-to mode=max

  std::string Describe() const { return kind == Kind::kLocal ? dir.string() : ref; }
};

// Throw ubuild::Error naming the flag and the bad part.
CacheLocation ParseCacheFrom(const std::string& value);
CacheLocation ParseCacheTo(const std::string& value);

}  // namespace ubuild::builder
