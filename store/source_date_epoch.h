#pragma once
// SOURCE_DATE_EPOCH (reproducible-builds.org): when set, the "created" time of
// every image and history entry ubuild writes, so the same input gives the
// same image id. Build and import read it by the same rules.
#include <cstdint>
#include <optional>
#include <string>

namespace ubuild::store {

// `given` (a --build-arg) wins over the environment; an empty value is unset.
// Throws ubuild::Error unless the value is 1 to 18 decimal digits.
std::optional<int64_t> SourceDateEpoch(const std::optional<std::string>& given = std::nullopt);

// "created" for a new image or history entry: the epoch when set, else now.
std::string CreatedAt(const std::optional<int64_t>& source_date_epoch);

}  // namespace ubuild::store
