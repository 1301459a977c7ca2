#pragma once
// The entries of an open directory, sorted by name bytes ("." and ".."
// left out). Sorted because every walker in the builder (hashing, copying)
// must visit entries in one deterministic order.
#include <string>
#include <vector>

namespace ubuild::builder {

// `what` names the directory in errors. The fd stays open and unmoved.
std::vector<std::string> SortedDirectoryNames(int dir_fd, const std::string& what);

}  // namespace ubuild::builder
