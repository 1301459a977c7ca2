#pragma once
// HTTP(S) requests over libcurl, one easy handle per client (so one client
// per thread; connections are kept alive between its requests).
//
// HTTPS trusts the system CAs plus a registry's own from certs.d
// (registry_tls.h), and presents its client certificate from there.
//
// Redirects are followed here rather than by libcurl so the rule is in one
// place: an Authorization header is sent only to the host it was meant
// for; a redirect to another host (a registry sending blobs to a CDN)
// drops it.
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/byte_stream.h"
#include "store/registry/registry_tls.h"

typedef void CURL;

namespace ubuild::store::registry {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Request body: `upload` of `upload_size` bytes when set, else `body`.
  std::string body;
  ByteSource* upload = nullptr;
  uint64_t upload_size = 0;
  // `upload` of a size not known ahead, sent until it ends with chunked
  // transfer encoding (a streamed blob upload's PATCH).
  bool upload_streamed = false;
  // A 2xx response body goes to `sink` when set, else into the response.
  ByteSink* sink = nullptr;
  // Bodies kept in memory are refused beyond this many bytes.
  uint64_t max_body = 16 << 20;
  // The whole request, when set; else only a stalled transfer is given up.
  long timeout_seconds = 0;
  // When set, the transfer ends with an Error soon after it turns true
  // (libcurl asks at least once a second, and after each read).
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::string url;  // after redirects
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercase
  std::string body;  // the body, unless it went to the request's sink
  std::optional<std::string> Header(std::string_view lowercase_name) const;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws ubuild::Error when the server cannot be reached or the transfer
  // fails; any HTTP status is returned for the caller to judge.
  HttpResponse Send(HttpRequest request);

 private:
  HttpResponse SendOnce(const HttpRequest& request);
  void ApplyTls(const std::string& url);

  CURL* curl_;
  std::map<std::string, RegistryTls> tls_;  // by host[:port], read once per client
};

// "host[:port]" of an http(s) URL, for comparing where requests go.
std::string UrlAuthority(const std::string& url);

}  // namespace ubuild::store::registry
