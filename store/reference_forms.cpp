#include "store/reference_forms.h"

namespace ubuild::store {

namespace {

constexpr const char* kDefaultDomain = "docker.io";
constexpr const char* kOfficialRepoPrefix = "library/";

bool IsDomain(const std::string& component) {
  return component.find_first_of(".:") != std::string::npos || component == "localhost";
}

}  // namespace

std::pair<std::string, std::string> SplitNameTag(const std::string& ref) {
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {ref, ""};
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

std::string FullyQualifiedReference(const std::string& familiar) {
  size_t slash = familiar.find('/');
  if (slash != std::string::npos && IsDomain(familiar.substr(0, slash))) return familiar;
  if (slash == std::string::npos) return std::string(kDefaultDomain) + "/" + kOfficialRepoPrefix + familiar;
  return std::string(kDefaultDomain) + "/" + familiar;
}

std::string FamiliarReference(const std::string& any) {
  std::string rest = any;
  const std::string domain_prefix = std::string(kDefaultDomain) + "/";
  if (rest.rfind(domain_prefix, 0) == 0) {
    rest = rest.substr(domain_prefix.size());
  } else if (rest.rfind("index.docker.io/", 0) == 0) {
    rest = rest.substr(16);
  } else {
    return any;
  }
  // "library/x" is familiar as "x", but "library/x/y" keeps its prefix.
  if (rest.rfind(kOfficialRepoPrefix, 0) == 0 && rest.find('/', 8) == std::string::npos) rest = rest.substr(8);
  return rest;
}

}  // namespace ubuild::store
