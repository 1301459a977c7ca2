#pragma once
// Go's path/filepath rules on Linux, which Docker's classic builder applies to
// COPY/ADD sources and .dockerignore patterns: Match (`*`, `?`, `[...]`,
// `\` escapes; `*` and `?` never cross '/'); Clean is store/base's CleanPath.
#include <string>
#include <string_view>

namespace ubuild::builder {

// filepath.Match(pattern, name). Throws ubuild::Error("syntax error in pattern")
// for a malformed pattern, like Go's ErrBadPattern.
bool GoMatch(std::string_view pattern, std::string_view name);

// True if `pattern` is well formed for GoMatch.
bool GoPatternValid(std::string_view pattern);

// Docker's containsWildcards: an unescaped '*', '?' or '['.
bool HasGoWildcards(std::string_view path);

}  // namespace ubuild::builder
