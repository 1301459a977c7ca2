#pragma once
// Which file in the context a build reads when -f is not given: Dockerfile,
// then dockerfile (docker's CLI falls back to the lowercase name), then
// Containerfile (buildah's and podman's name).
#include <array>
#include <filesystem>
#include <string_view>

namespace ubuild::cli {

inline constexpr std::array<std::string_view, 3> kDefaultDockerfileNames = {"Dockerfile", "dockerfile", "Containerfile"};

// CONTEXT/<the first of the names that exists>; throws ubuild::Error naming
// every name tried when none does.
std::filesystem::path FindDockerfile(const std::filesystem::path& context);

}  // namespace ubuild::cli
