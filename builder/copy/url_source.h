#pragma once
// ADD's http(s) sources, fetched as Docker's classic builder fetches them
// (builder/dockerfile/copy.go, checked against Debian's docker.io 20.10):
// the file is named by the URL path's last element (an empty one is refused:
// "cannot determine filename for source URL"), gets mode 0600 and the
// Last-Modified time as its mtime, and is never unpacked. It is downloaded
// on every build; its content decides the history text and so the cache.
#include <filesystem>
#include <string>

namespace ubuild::builder {

bool IsHttpUrl(const std::string& source);

struct FetchedFile {
  std::filesystem::path dir;  // holds the one file, `name`
  std::string name;
};

// Downloads `url` into the empty directory `dir`. `checksum` ("" or
// "sha256:<hex>", ADD --checksum) is checked against the bytes before the
// file gets its name, so a mismatch leaves nothing a copy could pick up.
// Throws ubuild::Error naming the URL, its host and the HTTP status.
FetchedFile FetchUrl(const std::string& url, const std::filesystem::path& dir, const std::string& checksum);

// The name Docker gives the file fetched from `url`: the URL path's last
// element, query and fragment aside; "" when the path ends in '/'.
std::string UrlFileName(const std::string& url);

}  // namespace ubuild::builder
