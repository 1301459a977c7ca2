#pragma once
// Extended attributes of a path itself (never following a symlink).
#include <string>
#include <utility>
#include <vector>

namespace ubuild::store {

// Name -> value pairs sorted by name; empty when the filesystem has none.
std::vector<std::pair<std::string, std::string>> ReadXattrs(const std::string& path);
// The same through an open file descriptor (no path lookup); `path` is for errors.
std::vector<std::pair<std::string, std::string>> ReadXattrs(int fd, const std::string& path);

}  // namespace ubuild::store
