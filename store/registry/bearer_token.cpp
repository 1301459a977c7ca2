#include "store/registry/bearer_token.h"

#include <nlohmann/json.hpp>

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {
constexpr int64_t kMinimumExpirySeconds = 60;
}

BearerToken ParseBearerToken(std::string_view body, std::chrono::steady_clock::time_point now,
                             const std::string& what) {
  BearerToken t;
  try {
    nlohmann::json j = nlohmann::json::parse(body);
    if (!j.is_object()) throw Error("token response is not a JSON object", what);
    t.token = j.value("token", "");
    if (t.token.empty()) t.token = j.value("access_token", "");
    int64_t expires_in = kMinimumExpirySeconds;
    if (auto e = j.find("expires_in"); e != j.end() && e->is_number_integer() && e->get<int64_t>() > kMinimumExpirySeconds) {
      expires_in = e->get<int64_t>();
    }
    t.expires = now + std::chrono::seconds(expires_in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed token response: ") + e.what(), what);
  }
  if (t.token.empty()) throw Error("token response has neither token nor access_token", what);
  return t;
}

}  // namespace ubuild::store::registry
