#pragma once
// Writes readers never see half done: temp name in the same directory,
// write, rename. Readers see the old file or the new one.
//
// The store's durability rule (power loss; a kill needs only the renames):
// nothing is fsynced one file at a time. A record is written and renamed
// into place, and one SyncFilesystem (filesystem_sync.h) runs before each
// rename that makes something visible which names it: before a layer's
// staging dir becomes its layerdb entry (covering its files, its link and
// lower files, its tar-split) and before an image's config is published
// (covering its layers' renames and metadata). Only the tag (repositories.json),
// which the user's next command reads, keeps WriteFileAtomic's fsyncs. What
// is written unsynced after the last barrier (lastUpdated, blob sightings,
// build-cache entries, the committed marker recovery restores) may be lost
// to a power loss, and its readers treat it as absent.
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
// As WriteFileAtomic, with a syncfs of the whole filesystem before the
// rename instead of the temp file's fsync: everything written before (by
// ReplaceFile, WriteFileInPlace, a rename) is durable before `path` is.
void PublishFile(const std::filesystem::path& path, std::string_view bytes);
std::string ReadFile(const std::filesystem::path& path);  // throws ubuild::Error naming the path
void FsyncDir(const std::filesystem::path& dir);
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
