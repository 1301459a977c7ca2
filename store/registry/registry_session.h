#pragma once
// One registry and the access a command needs there: where it answers
// (https, or plain http for insecure registries), and the Authorization
// each request carries — Basic with the stored credentials, or a Bearer
// token fetched from the realm a 401's WWW-Authenticate names, refreshed
// when it expires. Shared by the threads of one pull or push; each thread
// brings its own HttpClient.
//
// Insecure (plain HTTP allowed, after HTTPS fails): localhost, 127.0.0.0/8
// and [::1], as Docker treats them, plus every host[:port] listed in
// $UBUILD_INSECURE_REGISTRIES (comma-separated). Loopback registries are
// asked over plain HTTP first, HTTPS only when that does not serve.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/registry/auth_challenge.h"
#include "store/registry/bearer_token.h"
#include "store/registry/credential_helper.h"
#include "store/registry/http_client.h"

namespace ubuild::store::registry {

bool IsInsecureRegistry(const std::string& domain);
bool IsLoopbackRegistry(const std::string& domain);

class RegistrySession {
 public:
  // `scopes` as the token server wants them: "repository:library/alpine:pull".
  RegistrySession(std::string domain, std::vector<std::string> scopes);
  // With these credentials instead of the docker config's (login).
  RegistrySession(std::string domain, std::vector<std::string> scopes, Credentials credentials);

  // GET /v2/: picks the scheme and learns how the registry authenticates,
  // so later requests (uploads, which cannot be replayed) go out authorised.
  void Ping(HttpClient& http);

  // `request.url` is a path ("/v2/...") or an absolute URL (a Location).
  // A 401 is answered once by authenticating and sending again (not for
  // stream uploads); a second 401 throws "unauthorized ... ubuild login".
  HttpResponse Send(HttpClient& http, HttpRequest request);

  const std::string& domain() const { return domain_; }
  std::string Url(const std::string& path_or_url) const;

  // For errors: the registry's own message from an error body
  // ({"errors":[{"code","message"}]}), else the HTTP status.
  static std::string ErrorText(const HttpResponse& response);

 private:
  std::optional<std::string> Authorization(HttpClient& http);  // under mu_
  void Authenticate(HttpClient& http, const HttpResponse& unauthorized);  // under mu_
  [[noreturn]] void Unauthorized(const HttpResponse& response) const;

  std::mutex mu_;
  std::string domain_;
  std::string base_;  // "https://host:port"
  std::vector<std::string> scopes_;
  bool credentials_loaded_ = false;
  std::optional<Credentials> credentials_;
  std::optional<AuthChallenge> challenge_;
  std::optional<BearerToken> token_;
  uint64_t token_generation_ = 0;  // counts tokens fetched, so a 401 is answered once per token
};

}  // namespace ubuild::store::registry
