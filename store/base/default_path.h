#pragma once
// The PATH a Linux container gets when its image sets none: the value Docker
// puts into a FROM scratch image's config and into a RUN step's environment.
namespace ubuild {

inline constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace ubuild
