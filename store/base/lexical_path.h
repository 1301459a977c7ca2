#pragma once
// Lexical path helpers: string operations only, never the file system, so the
// answer does not depend on what a symlink on the host points to.
#include <deque>
#include <string>
#include <string_view>

namespace ubuild {

// Go's path.Clean: "." for an empty path, a leading '/' kept, "." and empty
// components dropped, ".." eats the previous component (and stays at a rooted
// path's root, or is kept when a relative path climbs out).
std::string CleanPath(std::string_view path);

// Joins '/'-separated relative paths ("" is the root).
std::string JoinRel(const std::string& a, const std::string& b);

// The non-empty components of a '/'-separated path, in order ("." and
// ".." kept, for a walk that resolves them as it goes).
std::deque<std::string> PathComponents(std::string_view path);

// The directory part of a canonical relative path ("" for a top-level name).
std::string ParentRel(const std::string& rel);

}  // namespace ubuild
