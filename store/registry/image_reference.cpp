#include "store/registry/image_reference.h"

#include "store/base/error.h"
#include "store/base/strings.h"
#include "store/reference_grammar.h"

namespace ubuild::store::registry {

namespace {

constexpr const char* kInvalid = "invalid reference format";
constexpr size_t kMaxNameLength = 255;

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

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
