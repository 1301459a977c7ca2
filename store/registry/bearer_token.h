#pragma once
// A token server's answer in the Bearer flow (distribution's token spec):
// {"token": ..., "access_token": ..., "expires_in": seconds, "issued_at":
// RFC 3339}. `token` wins, `access_token` is the OAuth2 spelling of the
// same; a missing or too small expires_in means 60 seconds.
#include <chrono>
#include <string>
#include <string_view>

namespace ubuild::store::registry {

struct BearerToken {
  std::string token;
  std::chrono::steady_clock::time_point expires;  // refresh before this
};

// `now` is when the request was sent: expiry counts from there, since the
// server's issued_at is on a clock ubuild cannot trust to match its own.
BearerToken ParseBearerToken(std::string_view body, std::chrono::steady_clock::time_point now, const std::string& what);

}  // namespace ubuild::store::registry
