#pragma once
// Times as image configs hold them: Go's RFC 3339 with nanoseconds,
// "2024-04-12T09:39:39.123456789Z" (fraction without trailing zeros).
#include <cstdint>
#include <optional>
#include <string>

namespace ubuild::store {

std::string FormatRfc3339Nano(int64_t unix_seconds, uint32_t nanos = 0);
std::string NowRfc3339Nano();  // the wall clock, UTC
// Seconds since the epoch; accepts a fraction and a Z or ±hh:mm offset.
std::optional<int64_t> ParseRfc3339(const std::string& text);

}  // namespace ubuild::store
