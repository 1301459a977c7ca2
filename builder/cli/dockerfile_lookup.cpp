#include "builder/cli/dockerfile_lookup.h"

#include <string>

#include "store/base/error.h"

namespace ubuild::cli {

std::filesystem::path FindDockerfile(const std::filesystem::path& context) {
  std::string tried;
  for (std::string_view name : kDefaultDockerfileNames) {
    const std::filesystem::path path = context / name;
    std::error_code ec;
    // As docker's Lstat: a dangling symlink is found, and fails when read.
    if (std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found) return path;
    tried += (tried.empty() ? "" : ", ") + std::string(name);
  }
  throw Error("no Dockerfile in the build context (looked for " + tried + "; name another with -f)", context.string());
}

}  // namespace ubuild::cli
