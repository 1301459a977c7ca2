#pragma once
// Writes readers never see half done: temp name in the same directory,
// write, rename. Readers see the old file or the new one.
//
// The store's durability rule (power loss; a kill needs only the renames):
// what a rename makes visible is on disk before the rename. A layer's
// records (tar-split, diff, size, cache-id, parent, link, lower) are
// written first and synced before its staging dir becomes its layerdb
// entry: a built layer's by one SyncFilesystem (filesystem_sync.h), its
// files having been synced while it was hashed; an unpacked (pulled,
// loaded) layer's file by file, its files not at all, as Docker does, since
// a syncfs would wait for all of them — unless the machine has under 1 MiB
// unwritten (unwritten_page_cache.h), when one syncfs is the cheaper. The
// layerdb dir is synced after the rename, so an image's config
// (WriteFileAtomic) never names a layer a power loss could take back. The
// tag (repositories.json) keeps WriteFileAtomic's fsyncs. What is written
// unsynced (lastUpdated, blob sightings, build-cache entries, the committed
// marker recovery restores) may be lost to a power loss, and its readers
// treat it as absent.
// Removal runs the rule backwards, one barrier per kind of record rather
// than per record: `rmi` and `prune` unlink the images' configs and sync
// their directory once, then rename the layers' layerdb entries away
// (children first) and sync layerdb once, then delete the files unsynced.
// What a kill or power loss leaves is named by no record, and recovery
// removes it (recovery.h), with any layer whose parent's entry went.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ubuild::store {

// Also durable when it returns: the temp file is fsynced before the rename
// and the directory after it.
void WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);
// As WriteFileAtomic without the fsyncs: durable after the next SyncFilesystem.
void ReplaceFile(const std::filesystem::path& path, std::string_view bytes);
std::string ReadFile(const std::filesystem::path& path);  // throws ubuild::Error naming the path
void FsyncDir(const std::filesystem::path& dir);
// fsync of a file already written and closed.
void FsyncPath(const std::filesystem::path& path);
// lstat succeeds: the path exists, a dangling symlink included (no exceptions,
// unlike std::filesystem::exists, and no following of links).
bool PathExists(const std::filesystem::path& path);

// Writes and fsyncs `path` in place.
void WriteFileDurable(const std::filesystem::path& path, std::string_view bytes);
// Writes `path` in place, no fsync: for files inside a staging directory that
// a SyncFilesystem covers before the rename that makes it visible.
void WriteFileInPlace(const std::filesystem::path& path, std::string_view bytes);
// nullopt when the file does not exist; other failures throw.
std::optional<std::string> ReadFileIfExists(const std::filesystem::path& path);

}  // namespace ubuild::store
