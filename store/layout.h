#pragma once
// The one place that knows where store records live (design.md §3). Every
// other file asks here instead of joining path strings itself, so the
// layout — the same one Docker's overlay2 store uses — is written down once.
#include <filesystem>
#include <string>
#include <string_view>

#include "store/digest.h"

namespace ubuild::store::layout {

namespace fs = std::filesystem;

// ROOT/lock: flock'd by every command (shared to read, exclusive to write).
fs::path LockFile(const fs::path& root);
// ROOT/dirty: written by ubuild before sessions; found at open => sweep once.
fs::path DirtyMarker(const fs::path& root);
// ROOT/lock.refs: serializes the tag updates of builds that run side by side
// (each holds ROOT/lock shared); taken after ROOT/lock, never alone.
fs::path RefsLockFile(const fs::path& root);
// ROOT/sessions/<id>/: one per writing process, flock'd by it while it lives
// (store_session.h); holds its pins.
fs::path SessionsDir(const fs::path& root);
fs::path SessionDir(const fs::path& root, std::string_view session_id);
inline constexpr std::string_view kSessionPinsFile = "pins";

// ROOT/image/overlay2
fs::path ImageRoot(const fs::path& root);
fs::path RepositoriesJson(const fs::path& root);

// imagedb
fs::path ImageContentDir(const fs::path& root);  // imagedb/content/sha256
fs::path ImageContent(const fs::path& root, const Digest& id);
fs::path ImageMetadataRoot(const fs::path& root);  // imagedb/metadata/sha256
fs::path ImageMetadataDir(const fs::path& root, const Digest& id);
fs::path ImageMetadataFile(const fs::path& root, const Digest& id, std::string_view key);

// layerdb
fs::path LayerDbDir(const fs::path& root);  // layerdb/sha256
fs::path LayerDir(const fs::path& root, const Digest& chain_id);
// layerdb/sha256/<chain>/<name>: one string join, for listings that read a file of every layer.
fs::path LayerFile(const fs::path& root, const Digest& chain_id, std::string_view name);
fs::path LayerDbTmp(const fs::path& root);  // layerdb/tmp (staging)
fs::path LayerStaging(const fs::path& root, std::string_view cache_id);  // layerdb/tmp/<cache-id>
fs::path LayerRemoval(const fs::path& root, const Digest& chain_id);    // layerdb/tmp/rm-<chain>
inline constexpr std::string_view kLayerDiffFile = "diff";
inline constexpr std::string_view kLayerParentFile = "parent";
inline constexpr std::string_view kLayerSizeFile = "size";
inline constexpr std::string_view kLayerCacheIdFile = "cache-id";
inline constexpr std::string_view kLayerTarSplitFile = "tar-split.json.gz";

// overlay2
fs::path Overlay2Dir(const fs::path& root);                        // ROOT/overlay2
fs::path LinkDir(const fs::path& root);                            // ROOT/overlay2/l
fs::path LinkPath(const fs::path& root, std::string_view link);    // ROOT/overlay2/l/<LINK>
std::string LinkTarget(std::string_view cache_id);                 // "../<cache-id>/diff"
fs::path CacheDir(const fs::path& root, std::string_view cache_id);
fs::path CacheDiff(const fs::path& root, std::string_view cache_id);
fs::path CacheWork(const fs::path& root, std::string_view cache_id);
fs::path CacheMerged(const fs::path& root, std::string_view cache_id);
fs::path CacheLinkFile(const fs::path& root, std::string_view cache_id);
fs::path CacheLowerFile(const fs::path& root, std::string_view cache_id);
fs::path CacheCommittedFile(const fs::path& root, std::string_view cache_id);

// distribution metadata, as Docker keeps it: which blob digest a layer had
// in which repository (for skipping, mounting and not compressing again)
fs::path V2MetadataByDiffId(const fs::path& root, const Digest& diff_id);  // distribution/v2metadata-by-diffid/sha256/<hex>
fs::path DiffIdByDigest(const fs::path& root, const Digest& blob);         // distribution/diffid-by-digest/sha256/<hex>

// build caches, under ROOT/image/overlay2/buildcache
fs::path BuildCacheDir(const fs::path& root);
fs::path BuildCacheEntry(const fs::path& root, const Digest& key);  // buildcache/<key-hex>
fs::path ContextDigestCacheDir(const fs::path& root);             // buildcache/context
fs::path ConfigStepLog(const fs::path& root);                     // buildcache/config-steps
fs::path RunCacheMountDir(const fs::path& root);                  // buildcache/mounts: RUN --mount=type=cache

// Names of the temporary files WriteFileAtomic creates next to their target.
inline constexpr std::string_view kTempPrefix = ".tmp-";
bool IsTempName(std::string_view file_name);

// A cache-id or link as ubuild makes them (64 lowercase hex / 26 of [A-Z0-9]).
bool IsCacheId(std::string_view name);
bool IsLinkName(std::string_view name);

}  // namespace ubuild::store::layout
