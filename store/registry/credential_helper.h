#pragma once
// Docker credential helpers (docker-credential-NAME, the protocol of
// docker/docker-credential-helpers): `get` reads a server URL on stdin and
// prints {"ServerURL","Username","Secret"}; `store` reads that JSON;
// `erase` reads the server URL.
#include <optional>
#include <string>

namespace ubuild::store::registry {

struct Credentials {
  std::string username;
  std::string password;  // or an identity token
};

// nullopt when the helper knows no credentials for `server`; throws when
// the helper is missing or fails otherwise.
std::optional<Credentials> HelperGet(const std::string& helper, const std::string& server);
void HelperStore(const std::string& helper, const std::string& server, const Credentials& credentials);
void HelperErase(const std::string& helper, const std::string& server);

}  // namespace ubuild::store::registry
