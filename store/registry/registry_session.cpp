#include "store/registry/registry_session.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/base/strings.h"
#include "store/base64.h"
#include "store/registry/docker_config.h"
#include "store/registry/image_reference.h"

namespace ubuild::store::registry {

namespace {

// Docker Hub's API is not served at docker.io itself.
constexpr const char* kDockerHubApiHost = "registry-1.docker.io";
// GET /v2/ answers a few bytes at once: a server silent this long is not a
// registry that will answer (the stall limit alone would wait a minute).
constexpr long kPingTimeoutSeconds = 15;

std::string HostOf(const std::string& domain) {
  if (!domain.empty() && domain.front() == '[') return domain.substr(0, domain.find(']') + 1);
  return domain.substr(0, domain.find(':'));
}

std::string Escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e != nullptr ? e : "";
  curl_free(e);
  return out;
}

}  // namespace

bool IsLoopbackRegistry(const std::string& domain) {
  std::string host = HostOf(domain);
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

bool IsInsecureRegistry(const std::string& domain) {
  if (IsLoopbackRegistry(domain)) return true;
  std::string host = HostOf(domain);
  const char* list = std::getenv("UBUILD_INSECURE_REGISTRIES");
  if (list == nullptr) return false;
  std::string all = list;
  for (size_t start = 0; start <= all.size();) {
    size_t comma = all.find(',', start);
    std::string item = all.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty() && (item == domain || item == host)) return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

RegistrySession::RegistrySession(std::string domain, std::vector<std::string> scopes)
    : domain_(std::move(domain)), scopes_(std::move(scopes)) {
  base_ = "https://" + (domain_ == kDockerHubDomain ? std::string(kDockerHubApiHost) : domain_);
}

RegistrySession::RegistrySession(std::string domain, std::vector<std::string> scopes, Credentials credentials)
    : RegistrySession(std::move(domain), std::move(scopes)) {
  credentials_ = std::move(credentials);
  credentials_loaded_ = true;
}

std::string RegistrySession::Url(const std::string& path_or_url) const {
  if (path_or_url.rfind("http://", 0) == 0 || path_or_url.rfind("https://", 0) == 0) return path_or_url;
  return base_ + path_or_url;
}

void RegistrySession::Ping(HttpClient& http) {
  HttpRequest ping;
  ping.timeout_seconds = kPingTimeoutSeconds;
  const std::string https_base = base_;
  const std::string http_base = "http://" + domain_;
  bool http_tried = false;
  std::optional<HttpResponse> http_answer;  // HTTP's answer when it was not a registry's
  std::string http_error;
  auto try_http = [&]() -> std::optional<HttpResponse> {
    http_tried = true;
    ping.url = http_base + "/v2/";
    try {
      HttpResponse r = http.Send(ping);
      if (r.status == 200 || r.status == 401) {
        base_ = http_base;
        return r;
      }
      http_answer = std::move(r);
    } catch (const Error& e) {
      http_error = e.message();
    }
    return std::nullopt;
  };
  auto not_a_registry = [&](const HttpResponse& answer) {
    return Error(domain_ + " does not look like a registry: GET /v2/ answered " + ErrorText(answer));
  };
  // A loopback registry is nearly always plain HTTP (a test's, a CI
  // service's), so it is asked over HTTP first, as containerd's resolver
  // does for localhost: HTTPS first costs a refused handshake per command.
  // A TLS one answers that with 400 at once, and HTTPS follows.
  std::optional<HttpResponse> r;
  if (IsLoopbackRegistry(domain_)) r = try_http();
  if (!r) {
    ping.url = https_base + "/v2/";
    try {
      r = http.Send(ping);
    } catch (const Error& https_error) {
      if (!IsInsecureRegistry(domain_)) throw;
      if (!http_tried) r = try_http();
      if (!r && !http_answer) {
        throw Error("cannot reach registry " + domain_ + " over HTTPS (" + https_error.message() + ") nor HTTP (" +
                    http_error + "): check its name and port, and that it is running");
      }
      // A TLS server answers plain HTTP with 400: then HTTPS's failure is
      // the one to tell. Any other answer came from a plain HTTP server
      // that is no registry (a 404 from a web server on the port).
      if (!r && http_answer->status != 400) throw not_a_registry(*http_answer);
      if (!r) throw Error("cannot reach registry " + domain_ + ": " + https_error.message());
    }
  }
  if (r->status == 401) {
    std::lock_guard lock(mu_);
    Authenticate(http, *r);
  } else if (r->status != 200) {
    throw not_a_registry(*r);
  }
}

std::optional<std::string> RegistrySession::Authorization(HttpClient& http) {
  if (!challenge_) return std::nullopt;
  if (challenge_->scheme == "basic") {
    if (!credentials_) return std::nullopt;
    return "Authorization: Basic " + Base64Encode(credentials_->username + ":" + credentials_->password);
  }
  if (!token_ || token_->NeedsRefresh(std::chrono::steady_clock::now())) {
    HttpResponse none;
    Authenticate(http, none);
  }
  return "Authorization: Bearer " + token_->token;
}

void RegistrySession::Authenticate(HttpClient& http, const HttpResponse& unauthorized) {
  if (auto header = unauthorized.Header("www-authenticate")) {
    for (AuthChallenge& c : ParseAuthChallenges(*header)) {
      if (c.scheme == "bearer" || (c.scheme == "basic" && (!challenge_ || challenge_->scheme != "bearer"))) {
        challenge_ = std::move(c);
      }
    }
  }
  if (!challenge_) throw Error("registry " + domain_ + " answered 401 without a Basic or Bearer challenge");
  if (!credentials_loaded_) {
    credentials_ = LookupCredentials(domain_);
    credentials_loaded_ = true;
  }
  if (challenge_->scheme == "basic") {
    if (!credentials_) Unauthorized(unauthorized);
    return;
  }
  auto realm = challenge_->params.find("realm");
  if (realm == challenge_->params.end() || realm->second.empty()) {
    throw Error("registry " + domain_ + " asks for a Bearer token but names no realm");
  }
  std::string url = realm->second;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (auto service = challenge_->params.find("service"); service != challenge_->params.end()) {
    url += sep + std::string("service=") + Escape(service->second);
    sep = '&';
  }
  for (const std::string& scope : scopes_) {
    url += sep + std::string("scope=") + Escape(scope);
    sep = '&';
  }
  HttpRequest get;
  get.url = url;
  get.max_body = 1 << 20;
  if (credentials_) {
    get.headers.push_back("Authorization: Basic " + Base64Encode(credentials_->username + ":" + credentials_->password));
  }
  auto sent = std::chrono::steady_clock::now();
  HttpResponse r = http.Send(get);
  if (r.status == 401 || r.status == 403) Unauthorized(r);
  if (r.status != 200) throw Error("token server answered " + ErrorText(r), realm->second);
  token_ = ParseBearerToken(r.body, sent, realm->second);
  ++token_generation_;
}

HttpResponse RegistrySession::Send(HttpClient& http, HttpRequest request) {
  request.url = Url(request.url);
  const bool to_registry = UrlAuthority(request.url) == UrlAuthority(base_);
  for (int attempt = 0;; ++attempt) {
    HttpRequest r = request;
    uint64_t generation = 0;
    if (to_registry) {
      std::lock_guard lock(mu_);
      if (auto auth = Authorization(http)) r.headers.push_back(*auth);
      generation = token_generation_;
    }
    HttpResponse response = http.Send(r);
    if (response.status != 401 || !to_registry) return response;
    if (attempt > 0 || request.upload != nullptr) Unauthorized(response);
    std::lock_guard lock(mu_);
    // The threads of a pull meet an expired token together: the first to
    // see the 401 fetches the next token, the others send again with it.
    if (generation == token_generation_) {
      token_.reset();
      Authenticate(http, response);
    }
  }
}

void RegistrySession::Unauthorized(const HttpResponse& response) const {
  std::string detail = response.status == 0 ? "" : " (" + ErrorText(response) + ")";
  if (credentials_) {
    throw Error("unauthorized: " + domain_ + " refused the credentials of " + credentials_->username + detail +
                "; run 'ubuild login " + domain_ + "' again");
  }
  throw Error("unauthorized: authentication required for " + domain_ + detail + "; run 'ubuild login " + domain_ + "'");
}

std::string RegistrySession::ErrorText(const HttpResponse& response) {
  std::string status = "HTTP " + std::to_string(response.status);
  try {
    nlohmann::json j = nlohmann::json::parse(response.body);
    std::string out;
    for (const auto& e : j.at("errors")) {
      // errcode's wording: MANIFEST_UNKNOWN is "manifest unknown".
      std::string code = AsciiLower(e.value("code", ""));
      std::replace(code.begin(), code.end(), '_', ' ');
      std::string message = e.value("message", "");
      out += (out.empty() ? "" : "; ") + (code.empty() ? message : code + ": " + message);
    }
    if (!out.empty()) return out + " (" + status + ")";
  } catch (const nlohmann::json::exception&) {
  }
  return status;
}

}  // namespace ubuild::store::registry
