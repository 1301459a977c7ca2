#pragma once
// `login` and `logout`: credentials checked against the registry (GET /v2/
// with them, through the Basic or Bearer flow it asks for), then kept
// where Docker keeps them (docker_config.h).
#include <string>

#include "store/registry/credential_helper.h"

namespace ubuild::store::registry {

// The registry domain a SERVER argument names: "https://host:5000/v2/" is
// "host:5000"; empty, index.docker.io and registry-1.docker.io are docker.io.
std::string RegistryDomainOf(const std::string& server);

// Throws "unauthorized ..." when the registry refuses the credentials;
// nothing is stored then.
void Login(const std::string& domain, const Credentials& credentials);
// False when there was nothing stored.
bool Logout(const std::string& domain);

}  // namespace ubuild::store::registry
