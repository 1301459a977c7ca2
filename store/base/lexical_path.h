#pragma once
// Lexical path helpers: string operations only, never the file system, so the
// answer does not depend on what a symlink on the host points to.
#include <string>
#include <string_view>

namespace ubuild {

// Go's path.Clean: "." for an empty path, a leading '/' kept, "." and empty
// components dropped, ".." eats the previous component (and stays at a rooted
// path's root, or is kept when a relative path climbs out).
std::string CleanPath(std::string_view path);

// Joins '/'-separated relative paths ("" is the root).
std::string JoinRel(const std::string& a, const std::string& b);

// The directory part of a canonical relative path ("" for a top-level name).
std::string ParentRel(const std::string& rel);

}  // namespace ubuild
