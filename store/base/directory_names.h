#pragma once
// The entries of an open directory, sorted by name bytes ("." and ".."
// left out). Sorted because every walker (hashing, copying, writing a layer
// tar) must visit entries in one deterministic order: byte order, as Go's
// filepath.Walk.
#include <string>
#include <vector>

namespace ubuild {

// `what` names the directory in errors. The fd stays open and unmoved.
std::vector<std::string> SortedDirectoryNames(int dir_fd, const std::string& what);

}  // namespace ubuild
