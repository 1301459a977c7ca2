#include "store/registry/image_reference.h"

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::store::registry {

namespace {

constexpr const char* kInvalid = "invalid reference format";
constexpr size_t kMaxNameLength = 255;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+
bool IsPathComponent(std::string_view s) {
  size_t i = 0;
  auto alnum_run = [&] {
    size_t start = i;
    while (i < s.size() && IsLowerAlnum(s[i])) ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

bool IsPath(std::string_view path) {
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    if (!IsPathComponent(path.substr(start, slash == std::string_view::npos ? slash : slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsDomainName(std::string_view host) {
  for (size_t start = 0;;) {
    size_t dot = host.find('.', start);
    std::string_view c = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
    for (char ch : c) {
      if (!IsAlnum(ch) && ch != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// domain := (domain-name | '[' IPv6 ']') [':' port-number]
bool IsDomain(std::string_view d) {
  std::string_view host = d;
  std::string_view port;
  bool has_port = false;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : d.substr(1, close - 1)) {
      if (!IsHexDigit(c) && c != ':' && c != '.') return false;
    }
    host = {};
    if (close + 1 < d.size()) {
      if (d[close + 1] != ':') return false;
      has_port = true;
      port = d.substr(close + 2);
    }
  } else if (size_t colon = d.find(':'); colon != std::string_view::npos) {
    host = d.substr(0, colon);
    has_port = true;
    port = d.substr(colon + 1);
  }
  if (has_port) {
    if (port.empty()) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
  }
  return host.empty() ? d.front() == '[' : IsDomainName(host);
}

// tag := [\w][\w.-]{0,127}
bool IsTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !IsWord(t[0])) return false;
  for (char c : t) {
    if (!IsWord(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// digest := algorithm ':' hex{32,}; algorithm := [a-z0-9]+ ([+._-][a-z0-9]+)*
Digest ParseDigest(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) throw Error(std::string(kInvalid));
  std::string_view algorithm = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  for (size_t i = 0; i < algorithm.size(); ++i) {
    char c = algorithm[i];
    bool separator = c == '+' || c == '.' || c == '_' || c == '-';
    if (separator ? (i == 0 || i + 1 == algorithm.size()) : !IsAlnum(c)) throw Error(std::string(kInvalid));
  }
  if (hex.size() < 32) throw Error(std::string(kInvalid));
  for (char c : hex) {
    if (!IsHexDigit(c)) throw Error(std::string(kInvalid));
  }
  if (algorithm != "sha256") throw Error("unsupported digest algorithm: " + std::string(text));
  if (!Digest::IsValid(text)) throw Error("invalid checksum digest format: " + std::string(text));
  return Digest::Parse(text);
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) || c > 'f') return false;
  }
  return true;
}

}  // namespace

ImageReference ImageReference::Parse(std::string_view text) {
  if (text.empty()) throw Error(std::string(kInvalid) + ": repository name must have at least one component");
  if (IsHex64(text)) {
    throw Error("invalid repository name (" + std::string(text) + "), cannot specify 64-byte hexadecimal strings");
  }
  ImageReference ref;
  std::string_view name = text;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    ref.digest = ParseDigest(text.substr(at + 1));
    name = text.substr(0, at);
  }
  size_t last_slash = name.rfind('/');
  if (size_t colon = name.rfind(':');
      colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(name.substr(colon + 1));
    if (!IsTag(ref.tag)) throw Error(std::string(kInvalid));
    name = name.substr(0, colon);
  }
  if (name.empty()) throw Error(std::string(kInvalid));
  if (name.size() > kMaxNameLength) {
    throw Error("repository name must not be more than " + std::to_string(kMaxNameLength) + " characters");
  }

  std::string_view remainder = name;
  size_t slash = name.find('/');
  if (slash != std::string_view::npos) {
    std::string_view head = name.substr(0, slash);
    if (head.find_first_of(".:") != std::string_view::npos || head == "localhost" ||
        AsciiLower(std::string(head)) != head) {
      if (!IsDomain(head)) throw Error(std::string(kInvalid));
      ref.domain = std::string(head);
      remainder = name.substr(slash + 1);
    }
  }
  if (ref.domain.empty() || ref.domain == "index.docker.io") ref.domain = std::string(kDockerHubDomain);
  if (!IsPath(remainder)) {
    if (IsPath(AsciiLower(std::string(remainder)))) {
      throw Error(std::string(kInvalid) + ": repository name must be lowercase");
    }
    throw Error(std::string(kInvalid));
  }
  ref.path = std::string(remainder);
  if (ref.domain == kDockerHubDomain && ref.path.find('/') == std::string::npos) ref.path = "library/" + ref.path;
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string ImageReference::FamiliarName() const {
  if (domain != kDockerHubDomain) return Repository();
  if (path.rfind("library/", 0) == 0 && path.find('/', 8) == std::string::npos) return path.substr(8);
  return path;
}

std::string ImageReference::String() const {
  std::string out = Repository();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->str();
  return out;
}

std::string ImageReference::FamiliarString() const {
  return FamiliarName() + (tag.empty() ? "@" + digest->str() : ":" + tag);
}

}  // namespace ubuild::store::registry
