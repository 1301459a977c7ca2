#include "store/registry/bearer_token.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/base/error.h"

namespace ubuild::store::registry {

namespace {
constexpr int64_t kDefaultExpirySeconds = 60;
constexpr std::chrono::steady_clock::duration kRefreshMargin = std::chrono::seconds(5);
}  // namespace

bool BearerToken::NeedsRefresh(std::chrono::steady_clock::time_point now) const {
  return now + std::min(kRefreshMargin, (expires - issued) / 2) >= expires;
}

BearerToken ParseBearerToken(std::string_view body, std::chrono::steady_clock::time_point now,
                             const std::string& what) {
  BearerToken t;
  try {
    nlohmann::json j = nlohmann::json::parse(body);
    if (!j.is_object()) throw Error("token response is not a JSON object", what);
    t.token = j.value("token", "");
    if (t.token.empty()) t.token = j.value("access_token", "");
    int64_t expires_in = kDefaultExpirySeconds;
    if (auto e = j.find("expires_in"); e != j.end() && e->is_number_integer() && e->get<int64_t>() > 0) {
      expires_in = e->get<int64_t>();
    }
    t.issued = now;
    t.expires = now + std::chrono::seconds(expires_in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed token response: ") + e.what(), what);
  }
  if (t.token.empty()) throw Error("token response has neither token nor access_token", what);
  return t;
}

}  // namespace ubuild::store::registry
