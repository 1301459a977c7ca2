#include "store/source_date_epoch.h"

#include <algorithm>
#include <cstdlib>

#include "store/base/error.h"
#include "store/rfc3339.h"

namespace ubuild::store {

std::optional<int64_t> SourceDateEpoch(const std::optional<std::string>& given) {
  std::string value;
  if (given) {
    value = *given;
  } else if (const char* env = std::getenv("SOURCE_DATE_EPOCH"); env != nullptr) {
    value = env;
  }
  if (value.empty()) return std::nullopt;
  // Digits only: no sign, space or fraction for strtoll to skip or stop at;
  // 18 digits cannot overflow int64_t.
  if (!std::all_of(value.begin(), value.end(), [](unsigned char c) { return c >= '0' && c <= '9'; }) ||
      value.size() > 18) {
    throw Error("SOURCE_DATE_EPOCH must be a non-negative whole number of seconds since 1970-01-01 UTC, got \"" +
                value + "\"");
  }
  return std::stoll(value);
}

std::string CreatedAt(const std::optional<int64_t>& source_date_epoch) {
  return source_date_epoch ? FormatRfc3339Nano(*source_date_epoch) : NowRfc3339Nano();
}

}  // namespace ubuild::store
