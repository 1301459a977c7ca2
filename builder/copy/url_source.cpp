#include "builder/copy/url_source.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "store/base/error.h"
#include "store/base/fd.h"
#include "store/digest.h"

namespace ubuild::builder {

namespace {

// The connection may take this long; a transfer that moves no byte for
// kStallSeconds is dropped (a slow download is fine, a dead one is not).
constexpr long kConnectTimeoutSeconds = 30;
constexpr long kStallSeconds = 60;

struct Transfer {
  int fd = -1;
  store::Sha256 sha;
  std::string reason;  // the status line's reason phrase, of the last response
  int write_errno = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    // "HTTP/1.1 404 Not Found\r\n": the words after the code.
    size_t code = line.find(' ');
    size_t reason = code == std::string::npos ? std::string::npos : line.find(' ', code + 1);
    t->reason = reason == std::string::npos ? "" : line.substr(reason + 1);
    while (!t->reason.empty() && (t->reason.back() == '\r' || t->reason.back() == '\n')) t->reason.pop_back();
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  for (size_t done = 0; done < len;) {
    ssize_t w = write(t->fd, data + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      t->write_errno = errno;
      return 0;  // aborts the transfer
    }
    done += static_cast<size_t>(w);
  }
  t->sha.Update(data, len);
  return len;
}

std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = host.rfind('@'); at != std::string::npos) host.erase(0, at + 1);  // no user info in messages
  return host;
}

struct CurlHandle {
  CURL* curl;
  CurlHandle() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl = curl_easy_init();
    if (!curl) throw Error("libcurl: cannot create a handle");
  }
  ~CurlHandle() { curl_easy_cleanup(curl); }
};

}  // namespace

bool IsHttpUrl(const std::string& source) {
  return source.rfind("http://", 0) == 0 || source.rfind("https://", 0) == 0;
}

std::string UrlFileName(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t path = url.find_first_of("/?#", start);
  if (path == std::string::npos || url[path] != '/') return "";
  std::string p = url.substr(path, url.find_first_of("?#", path) - path);
  if (p.empty() || p.back() == '/') return "";
  return p.substr(p.rfind('/') + 1);
}

FetchedFile FetchUrl(const std::string& url, const std::filesystem::path& dir, const std::string& checksum) {
  const std::string host = HostOf(url);
  if (!checksum.empty() && (checksum.rfind("sha256:", 0) != 0 || checksum.size() != 71 ||
                            checksum.find_first_not_of("0123456789abcdef", 7) != std::string::npos)) {
    throw Error("invalid checksum digest format: " + checksum + " (expected sha256:<64 hex digits>)");
  }
  FetchedFile out;
  out.dir = dir;
  out.name = UrlFileName(url);
  if (out.name.empty() || out.name == "." || out.name == "..") {
    throw Error("cannot determine filename for source " + url);
  }
  const std::filesystem::path partial = dir / ".download";
  Fd fd(open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) throw SysError("create", partial.string(), errno);

  CurlHandle h;
  Transfer t;
  t.fd = fd.get();
  char curl_error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h.curl, CURLOPT_MAXREDIRS, 10L);  // Go's http.Client stops after 10 too
  curl_easy_setopt(h.curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(h.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h.curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(h.curl, CURLOPT_USERAGENT, "ubuild/0.1");
  curl_easy_setopt(h.curl, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(h.curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(h.curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h.curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &t);
  // Only a 2xx body is written: libcurl refuses the rest before the callback.
  curl_easy_setopt(h.curl, CURLOPT_FAILONERROR, 1L);
  CURLcode rc = curl_easy_perform(h.curl);
  long status = 0;
  curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
  if (t.write_errno != 0) throw SysError("write", partial.string(), t.write_errno);
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    throw Error("failed to GET " + url + " with status " + std::to_string(status) +
                (t.reason.empty() ? "" : " " + t.reason) + " (host " + host + ")");
  }
  if (rc != CURLE_OK) {
    throw Error("failed to GET " + url + " (host " + host + "): " +
                (curl_error[0] ? curl_error : curl_easy_strerror(rc)));
  }
  const std::string got = t.sha.Final().str();
  if (!checksum.empty() && got != checksum) {
    throw Error("checksum mismatch for " + url + ": expected " + checksum + ", got " + got);
  }
  curl_off_t filetime = -1;
  curl_easy_getinfo(h.curl, CURLINFO_FILETIME_T, &filetime);
  if (filetime >= 0) {
    struct timespec times[2] = {{static_cast<time_t>(filetime), 0}, {static_cast<time_t>(filetime), 0}};
    if (futimens(fd.get(), times) != 0) throw SysError("futimens", partial.string(), errno);
  }
  if (rename(partial.c_str(), (dir / out.name).c_str()) != 0) throw SysError("rename", partial.string(), errno);
  return out;
}

}  // namespace ubuild::builder
