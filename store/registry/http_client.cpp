#include "store/registry/http_client.h"

#include <curl/curl.h>

#include <cstring>
#include <exception>
#include <mutex>

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::store::registry {

namespace {

constexpr int kMaxRedirects = 10;
constexpr long kConnectTimeoutSeconds = 15;
// A transfer slower than 1 byte/s for this long is given up.
constexpr long kStallSeconds = 60;
constexpr long kReceiveBuffer = 512 << 10;  // ~1,000 reads for a 512 MiB layer, for 512 KiB per connection

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// State shared with libcurl's callbacks for one request. An exception
// cannot cross libcurl's C frames, so it is kept and rethrown after.
struct Transfer {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  uint64_t upload_left = 0;
  size_t body_offset = 0;  // for a string body
  std::exception_ptr error;

  bool ToSink() const {
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    return request->sink != nullptr && code >= 200 && code < 300;
  }
};

size_t OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (after 100 Continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  t->response->headers.emplace_back(AsciiLower(std::string(line.substr(0, colon))), std::string(value));
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  try {
    if (t->ToSink()) {
      t->request->sink->Write(data, size * n);
    } else {
      if (t->response->body.size() + size * n > t->request->max_body) {
        throw Error("response body is larger than " + std::to_string(t->request->max_body) + " bytes",
                    t->request->url);
      }
      t->response->body.append(data, size * n);
    }
  } catch (...) {
    t->error = std::current_exception();
    return 0;
  }
  return size * n;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  try {
    size_t want = size * n;
    if (t->request->upload != nullptr && t->request->upload_streamed) return t->request->upload->Read(buffer, want);
    if (t->request->upload != nullptr) {
      if (want > t->upload_left) want = t->upload_left;
      size_t got = want == 0 ? 0 : t->request->upload->Read(buffer, want);
      if (got == 0 && t->upload_left > 0) throw Error("upload source ended early", t->request->url);
      t->upload_left -= got;
      return got;
    }
    const std::string& body = t->request->body;
    size_t got = std::min(want, body.size() - t->body_offset);
    std::memcpy(buffer, body.data() + t->body_offset, got);
    t->body_offset += got;
    return got;
  } catch (...) {
    t->error = std::current_exception();
    return CURL_READFUNC_ABORT;
  }
}

int OnProgress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(p);
  return t->request->cancel->load() ? 1 : 0;  // non-zero: CURLE_ABORTED_BY_CALLBACK
}

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

struct SList {
  curl_slist* list = nullptr;
  ~SList() { curl_slist_free_all(list); }
};

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view lowercase_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return value;
  }
  return std::nullopt;
}

std::string UrlAuthority(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) out = AsciiLower(host);
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) out += std::string(":") + port;
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

HttpClient::HttpClient() {
  GlobalInit();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw Error("cannot initialise libcurl");
}

HttpClient::~HttpClient() { curl_easy_cleanup(curl_); }

HttpResponse HttpClient::Send(HttpRequest request) {
  const std::string origin = UrlAuthority(request.url);
  for (int hop = 0;; ++hop) {
    HttpResponse response = SendOnce(request);
    bool follow = request.method == "GET" || request.method == "HEAD";
    if (!follow || !IsRedirect(response.status)) return response;
    char* next = nullptr;
    curl_easy_getinfo(curl_, CURLINFO_REDIRECT_URL, &next);
    if (next == nullptr) throw Error("redirect (" + std::to_string(response.status) + ") without a Location", request.url);
    if (hop == kMaxRedirects) throw Error("more than " + std::to_string(kMaxRedirects) + " redirects", request.url);
    request.url = next;
    if (UrlAuthority(request.url) != origin) {
      std::erase_if(request.headers, [](const std::string& h) { return AsciiLower(h.substr(0, 14)) == "authorization:"; });
    }
  }
}

void HttpClient::ApplyTls(const std::string& url) {
  if (url.rfind("https://", 0) != 0) return;
  // certs.d names a registry as written: "host" for port 443, else "host:port".
  std::string authority = url.substr(8, url.find('/', 8) == std::string::npos ? std::string::npos : url.find('/', 8) - 8);
  if (authority.size() > 4 && authority.compare(authority.size() - 4, 4, ":443") == 0) authority.resize(authority.size() - 4);
  auto it = tls_.find(authority);
  if (it == tls_.end()) {
    char* system_ca = nullptr;
    curl_easy_getinfo(curl_, CURLINFO_CAINFO, &system_ca);
    it = tls_.emplace(authority, TlsFor(authority, system_ca != nullptr ? system_ca : "")).first;
  }
  const RegistryTls& tls = it->second;
  if (!tls.ca_bundle.empty()) {
    curl_blob blob{const_cast<char*>(tls.ca_bundle.data()), tls.ca_bundle.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl_, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!tls.client_cert.empty()) {
    curl_easy_setopt(curl_, CURLOPT_SSLCERT, tls.client_cert.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLKEY, tls.client_key.c_str());
  }
}

HttpResponse HttpClient::SendOnce(const HttpRequest& request) {
  HttpResponse response;
  Transfer t;
  t.curl = curl_;
  t.request = &request;
  t.response = &response;
  t.upload_left = request.upload_size;

  curl_easy_reset(curl_);
  curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  if (request.timeout_seconds > 0) curl_easy_setopt(curl_, CURLOPT_TIMEOUT, request.timeout_seconds);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, "ubuild/0.1");
  ApplyTls(request.url);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &t);
  // A layer body arrives in reads of this size: libcurl's 16 KiB default
  // costs a pulled layer a recv and a pass through hashing and inflate
  // per 16 KiB.
  curl_easy_setopt(curl_, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  if (request.cancel != nullptr) {
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  }
  SList headers;
  for (const std::string& h : request.headers) headers.list = curl_slist_append(headers.list, h.c_str());
  // libcurl would otherwise send "Expect: 100-continue" and wait on uploads.
  headers.list = curl_slist_append(headers.list, "Expect:");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers.list);

  bool has_body = request.upload != nullptr || !request.body.empty();
  if (request.method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || has_body) {
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &t);
    curl_off_t size = request.upload_streamed   ? -1  // libcurl then sends HTTP/1.1 chunks
                      : request.upload != nullptr ? static_cast<curl_off_t>(request.upload_size)
                                                  : static_cast<curl_off_t>(request.body.size());
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, size);
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode rc = curl_easy_perform(curl_);
  if (t.error) std::rethrow_exception(t.error);
  if (rc == CURLE_ABORTED_BY_CALLBACK) throw Error(request.method + " cancelled", request.url);
  if (rc != CURLE_OK) {
    std::string hint;
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      hint = " (the certificate of " + UrlAuthority(request.url) +
             " is not signed by a CA ubuild trusts: put the registry's CA certificate in " +
             (CertsDirectory() / "HOST[:PORT]" / "ca.crt").string() + ")";
    }
    throw Error(std::string(request.method) + " failed: " + curl_easy_strerror(rc) + hint, request.url);
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
  response.url = request.url;
  return response;
}

}  // namespace ubuild::store::registry
