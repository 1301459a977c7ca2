#pragma once
// A token server's answer in the Bearer flow (distribution's token spec):
// {"token": ..., "access_token": ..., "expires_in": seconds, "issued_at":
// RFC 3339}. `token` wins, `access_token` is the OAuth2 spelling of the
// same; a missing expires_in means the spec's 60 seconds.
//
// A shorter expires_in is taken at its word, where Docker raises it to 60:
// the registry judges the token by its own exp claim, so a client that
// trusts a longer life than the server stated only collects 401s.
#include <chrono>
#include <string>
#include <string_view>

namespace ubuild::store::registry {

struct BearerToken {
  std::string token;
  std::chrono::steady_clock::time_point issued;   // when it was asked for
  std::chrono::steady_clock::time_point expires;  // the server refuses it from here

  // Whether to ask for the next token before sending a request at `now`: a
  // request sent just before expiry may reach the registry after it, so a
  // token is renewed 5 s early, or half-way through a shorter life.
  bool NeedsRefresh(std::chrono::steady_clock::time_point now) const;
};

// `now` is when the request was sent: expiry counts from there, since the
// server's issued_at is on a clock ubuild cannot trust to match its own.
BearerToken ParseBearerToken(std::string_view body, std::chrono::steady_clock::time_point now, const std::string& what);

}  // namespace ubuild::store::registry
