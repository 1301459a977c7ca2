#include "store/registry/registry_login.h"

#include "store/base/error.h"
#include "store/base/strings.h"
#include "store/registry/docker_config.h"
#include "store/registry/image_reference.h"
#include "store/registry/registry_session.h"

namespace ubuild::store::registry {

std::string RegistryDomainOf(const std::string& server) {
  std::string s = server;
  for (const char* scheme : {"https://", "http://"}) {
    if (s.rfind(scheme, 0) == 0) s = s.substr(std::string(scheme).size());
  }
  s = AsciiLower(s.substr(0, s.find('/')));
  if (s.empty() || s == "index.docker.io" || s == "registry-1.docker.io") return std::string(kDockerHubDomain);
  return s;
}

void Login(const std::string& domain, const Credentials& credentials) {
  RegistrySession session(domain, {}, credentials);
  HttpClient http;
  session.Ping(http);
  HttpRequest get;
  get.url = "/v2/";
  HttpResponse r = session.Send(http, get);
  if (r.status != 200) throw Error("login to " + domain + " failed: " + RegistrySession::ErrorText(r));
  SaveCredentials(domain, credentials);
}

bool Logout(const std::string& domain) { return EraseCredentials(domain); }

}  // namespace ubuild::store::registry
