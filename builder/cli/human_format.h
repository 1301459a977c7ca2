#pragma once
// Docker CLI's ways of showing numbers and times (go-units HumanDuration,
// HumanSizeWithPrecision; stringid.TruncateID; formatter.Ellipsis), so
// `ubuild images`/`history` read like their docker counterparts.
#include <cstdint>
#include <string>

namespace ubuild::cli {

std::string HumanDuration(int64_t seconds);        // "3 minutes", "About an hour"
std::string HumanSince(const std::string& rfc3339);  // "3 minutes ago"; "N/A" if unparsable
// Go's t.Format(time.RFC3339) in the local zone, whole seconds:
// "2024-04-12T11:39:39+02:00", "…Z" in UTC; the input as given if unparsable.
std::string LocalRfc3339(const std::string& rfc3339);
// Go's time.Unix(t, 0).String() in the local zone: "2024-04-12 11:39:39 +0200 CEST";
// the input as given if unparsable.
std::string LocalGoTime(const std::string& rfc3339);
// Decimal units, `precision` significant digits: "44.2MB" (go-units' HumanSize
// is precision 4, docker's listings use 3).
std::string HumanSize(uint64_t bytes, int precision = 3);
std::string Ellipsis(const std::string& s, size_t max_width);  // cut to max_width runes ending in "…"

}  // namespace ubuild::cli
