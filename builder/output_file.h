#pragma once
// A file the user names for output: --iidfile, --metadata-file, save -o.
// A regular file (or none) is replaced atomically, as store/atomic_file.h
// does; a device or FIFO already there (/dev/null, /dev/stdout, a pipe) is
// written in place, since the rename would put a regular file in its place
// (docker CLI writes these in place too).
#include <filesystem>
#include <string_view>

namespace ubuild::builder {

// `path` names an existing file that is neither a regular file nor a
// directory (links followed): one to write in place.
bool IsSpecialOutputFile(const std::filesystem::path& path);

void WriteOutputFile(const std::filesystem::path& path, std::string_view bytes);

}  // namespace ubuild::builder
