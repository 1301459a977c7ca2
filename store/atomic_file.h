#pragma once
// Durable writes: temp name in the same directory, write, fsync, rename,
// fsync the directory. Readers see the old file or the new one, never half.
#include <filesystem>
#include <string_view>

namespace ubuild::store {

void WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes);
std::string ReadFile(const std::filesystem::path& path);  // throws ubuild::Error naming the path
void FsyncDir(const std::filesystem::path& dir);

}  // namespace ubuild::store
