#pragma once
// Durable writes: temp name in the same directory, write, fsync, rename,
// fsync the directory. Readers see the old file or the new one, never half.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ubuild::store {

void WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);
std::string ReadFile(const std::filesystem::path& path);  // throws ubuild::Error naming the path
void FsyncDir(const std::filesystem::path& dir);
// lstat succeeds: the path exists, a dangling symlink included (no exceptions,
// unlike std::filesystem::exists, and no following of links).
bool PathExists(const std::filesystem::path& path);

// Writes and fsyncs `path` in place: for files inside a staging directory
// that becomes visible as a whole by a later rename.
void WriteFileDurable(const std::filesystem::path& path, std::string_view bytes);
// nullopt when the file does not exist; other failures throw.
std::optional<std::string> ReadFileIfExists(const std::filesystem::path& path);

}  // namespace ubuild::store
