#pragma once
// String helpers named after Go's strings package, whose behaviour Docker's
// output follows.
#include <span>
#include <string>
#include <string_view>

namespace ubuild {

// strings.Join: the parts with `sep` between them.
std::string Join(std::span<const std::string> parts, std::string_view sep);

// ASCII-only lowercase: Dockerfile keywords, stage names and flag values are
// compared this way whatever the process locale.
std::string AsciiLower(std::string s);
std::string AsciiUpper(std::string s);

}  // namespace ubuild
