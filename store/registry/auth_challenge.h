#pragma once
// WWW-Authenticate parsing (RFC 7235 §4.1): one or more challenges, each a
// scheme and its auth-params, values as tokens or quoted strings with
// backslash escapes. A registry answers 401 with `Basic realm="..."` or
// `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ubuild::store::registry {

struct AuthChallenge {
  std::string scheme;                         // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // lowercase names: "realm", "service", "scope"
};

// Throws ubuild::Error naming the header on malformed input.
std::vector<AuthChallenge> ParseAuthChallenges(std::string_view header);

}  // namespace ubuild::store::registry
