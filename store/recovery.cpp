#include "store/recovery.h"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <string>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/leftover_mounts.h"
#include "store/pending_lock.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

void RemoveTree(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw Error("cannot remove leftover: " + ec.message(), p.string());
}

void RemoveTempFilesIn(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (layout::IsTempName(entry.path().filename().string())) RemoveTree(entry.path());
  }
}

std::set<std::string> CacheIdsNamedByLayerDb(const fs::path& root) {
  std::set<std::string> named;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout::LayerDbDir(root), ec)) {
    if (auto id = ReadFileIfExists(entry.path() / layout::kLayerCacheIdFile)) named.insert(*id);
  }
  return named;
}

}  // namespace

void RemoveLeftovers(const fs::path& root) {
  // First, so no pending dir below is removed through a live overlay.
  DetachLeftoverMounts(root);
  std::error_code ec;
  // Staging dirs of commits (named by cache-id) and of removals ("rm-…").
  for (const auto& entry : fs::directory_iterator(layout::LayerDbTmp(root), ec)) {
    std::string name = entry.path().filename().string();
    if (layout::IsCacheId(name) && PendingDirInUse(layout::CacheDir(root, name))) continue;
    RemoveTree(entry.path());
  }

  std::optional<std::set<std::string>> named;  // read only if some dir needs it
  for (const auto& entry : fs::directory_iterator(layout::Overlay2Dir(root), ec)) {
    std::string cache_id = entry.path().filename().string();
    if (!layout::IsCacheId(cache_id)) continue;
    if (PathExists(layout::CacheCommittedFile(root, cache_id))) continue;
    if (PendingDirInUse(entry.path())) continue;
    if (!named) named = CacheIdsNamedByLayerDb(root);
    if (named->count(cache_id)) {
      WriteFileDurable(layout::CacheCommittedFile(root, cache_id), "");
      continue;
    }
    if (auto link = ReadFileIfExists(layout::CacheLinkFile(root, cache_id)); link && layout::IsLinkName(*link)) {
      fs::path link_path = layout::LinkPath(root, *link);
      std::error_code lec;
      if (fs::read_symlink(link_path, lec) == layout::LinkTarget(cache_id)) ::unlink(link_path.c_str());
    }
    RemoveTree(entry.path());
  }

  RemoveTempFilesIn(layout::ImageRoot(root));
  RemoveTempFilesIn(layout::BuildCacheDir(root));
  // The context digest files are named by a digest; any other name there is
  // the temp file of a save that was killed.
  for (const auto& entry : fs::directory_iterator(layout::ContextDigestCacheDir(root), ec)) {
    if (!layout::IsCacheId(entry.path().filename().string())) RemoveTree(entry.path());
  }
  RemoveTempFilesIn(layout::ImageContentDir(root));
  for (const auto& entry : fs::directory_iterator(layout::ImageMetadataRoot(root), ec)) {
    std::string hex = entry.path().filename().string();
    // Metadata is written before the content it describes; alone it is debris.
    if (layout::IsCacheId(hex) && !PathExists(layout::ImageContentDir(root) / hex)) {
      RemoveTree(entry.path());
      continue;
    }
    RemoveTempFilesIn(entry.path());
  }
}

}  // namespace ubuild::store
