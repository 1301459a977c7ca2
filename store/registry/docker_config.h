#pragma once
// Registry credentials where Docker keeps them: $DOCKER_CONFIG/config.json
// (default ~/.docker/config.json). `credHelpers` names a helper per
// registry, `credsStore` one for all; otherwise `auths` holds
// base64("user:password") under the registry's key. Docker Hub's key is
// "https://index.docker.io/v1/"; other registries are keyed by host[:port]
// (older files may hold a URL, which is reduced to its host to match).
#include <filesystem>
#include <optional>
#include <string>

#include "store/registry/credential_helper.h"

namespace ubuild::store::registry {

std::filesystem::path DockerConfigPath();

// The config key / helper server name for a registry domain.
std::string CredentialKey(const std::string& domain);

std::optional<Credentials> LookupCredentials(const std::string& domain);
// `login`: into the helper when one is configured, else into `auths`. The
// file is written as Docker writes it (tab-indented JSON, mode 0600),
// keeping every other field.
void SaveCredentials(const std::string& domain, const Credentials& credentials);
// `logout`: false when nothing was stored for the registry.
bool EraseCredentials(const std::string& domain);

}  // namespace ubuild::store::registry
