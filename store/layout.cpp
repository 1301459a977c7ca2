#include "store/layout.h"

namespace ubuild::store::layout {

namespace {

// One string join instead of a chain of path appends: listings call these
// thousands of times and each append re-parses the path.
fs::path Join(const fs::path& root, std::string_view rel, std::string_view name) {
  std::string s = root.native();
  if (s.empty() || s.back() != '/') s += '/';
  s += rel;
  s += '/';
  s += name;
  return fs::path(std::move(s));
}

}  // namespace

fs::path LockFile(const fs::path& root) { return root / "lock"; }
fs::path DirtyMarker(const fs::path& root) { return root / "dirty"; }
fs::path RefsLockFile(const fs::path& root) { return root / "lock.refs"; }
fs::path SessionsDir(const fs::path& root) { return root / "sessions"; }
fs::path SessionDir(const fs::path& root, std::string_view session_id) { return SessionsDir(root) / session_id; }

fs::path ImageRoot(const fs::path& root) { return root / "image" / "overlay2"; }
fs::path RepositoriesJson(const fs::path& root) { return ImageRoot(root) / "repositories.json"; }

fs::path ImageContentDir(const fs::path& root) { return ImageRoot(root) / "imagedb" / "content" / "sha256"; }
fs::path ImageContent(const fs::path& root, const Digest& id) {
  return Join(root, "image/overlay2/imagedb/content/sha256", id.hex());
}
fs::path ImageMetadataRoot(const fs::path& root) { return ImageRoot(root) / "imagedb" / "metadata" / "sha256"; }
fs::path ImageMetadataDir(const fs::path& root, const Digest& id) { return ImageMetadataRoot(root) / id.hex(); }
fs::path ImageMetadataFile(const fs::path& root, const Digest& id, std::string_view key) {
  return Join(root, "image/overlay2/imagedb/metadata/sha256/" + id.hex(), key);
}

fs::path V2MetadataByDiffId(const fs::path& root, const Digest& diff_id) {
  return Join(root, "image/overlay2/distribution/v2metadata-by-diffid/sha256", diff_id.hex());
}
fs::path DiffIdByDigest(const fs::path& root, const Digest& blob) {
  return Join(root, "image/overlay2/distribution/diffid-by-digest/sha256", blob.hex());
}

fs::path LayerDbDir(const fs::path& root) { return ImageRoot(root) / "layerdb" / "sha256"; }
fs::path LayerDir(const fs::path& root, const Digest& chain_id) {
  return Join(root, "image/overlay2/layerdb/sha256", chain_id.hex());
}
fs::path LayerFile(const fs::path& root, const Digest& chain_id, std::string_view name) {
  return Join(root, "image/overlay2/layerdb/sha256/" + chain_id.hex(), name);
}
fs::path LayerDbTmp(const fs::path& root) { return ImageRoot(root) / "layerdb" / "tmp"; }
fs::path LayerStaging(const fs::path& root, std::string_view cache_id) { return LayerDbTmp(root) / cache_id; }
fs::path LayerRemoval(const fs::path& root, const Digest& chain_id) {
  return LayerDbTmp(root) / ("rm-" + chain_id.hex());
}

fs::path Overlay2Dir(const fs::path& root) { return root / "overlay2"; }
fs::path LinkDir(const fs::path& root) { return Overlay2Dir(root) / "l"; }
fs::path LinkPath(const fs::path& root, std::string_view link) { return LinkDir(root) / link; }
std::string LinkTarget(std::string_view cache_id) { return "../" + std::string(cache_id) + "/diff"; }
fs::path CacheDir(const fs::path& root, std::string_view cache_id) { return Overlay2Dir(root) / cache_id; }
fs::path CacheDiff(const fs::path& root, std::string_view cache_id) { return CacheDir(root, cache_id) / "diff"; }
fs::path CacheWork(const fs::path& root, std::string_view cache_id) { return CacheDir(root, cache_id) / "work"; }
fs::path CacheMerged(const fs::path& root, std::string_view cache_id) { return CacheDir(root, cache_id) / "merged"; }
fs::path CacheLinkFile(const fs::path& root, std::string_view cache_id) { return CacheDir(root, cache_id) / "link"; }
fs::path CacheLowerFile(const fs::path& root, std::string_view cache_id) { return CacheDir(root, cache_id) / "lower"; }
fs::path CacheCommittedFile(const fs::path& root, std::string_view cache_id) {
  return CacheDir(root, cache_id) / "committed";
}

fs::path BuildCacheDir(const fs::path& root) { return ImageRoot(root) / "buildcache"; }
fs::path BuildCacheEntry(const fs::path& root, const Digest& key) {
  return Join(root, "image/overlay2/buildcache", key.hex());
}
fs::path ContextDigestCacheDir(const fs::path& root) { return BuildCacheDir(root) / "context"; }
fs::path ConfigStepLog(const fs::path& root) { return BuildCacheDir(root) / "config-steps"; }
fs::path RunCacheMountDir(const fs::path& root) { return BuildCacheDir(root) / "mounts"; }

bool IsTempName(std::string_view file_name) { return file_name.substr(0, kTempPrefix.size()) == kTempPrefix; }

bool IsCacheId(std::string_view name) {
  if (name.size() != 64) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsLinkName(std::string_view name) {
  if (name.size() != 26) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

}  // namespace ubuild::store::layout
