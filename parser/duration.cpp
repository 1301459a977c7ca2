#include "parser/duration.h"

#include <string>

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

constexpr uint64_t kMaxDuration = static_cast<uint64_t>(INT64_MAX);

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

uint64_t UnitNanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;  // us, µs (micro sign), μs (mu)
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000ULL;
  if (unit == "m") return 60ULL * 1000000000ULL;
  if (unit == "h") return 3600ULL * 1000000000ULL;
  return 0;
}

}  // namespace

int64_t ParseDuration(std::string_view text) {
  std::string quoted(1, '"');  // built piecewise: GCC 12 warns falsely on "\"" + string
  quoted.append(text);
  quoted += '"';
  auto invalid = [&] { return Error("time: invalid duration " + quoted); };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) throw invalid();

  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !IsDigit(s[0])) throw invalid();
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > (UINT64_MAX - 9) / 10) throw invalid();
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    bool had_whole = i > 0;
    s.remove_prefix(i);
    // Fraction digits beyond what fits are ignored, as Go does.
    uint64_t fraction = 0, scale = 1;
    bool had_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (scale <= UINT64_MAX / 100) {
          fraction = fraction * 10 + static_cast<uint64_t>(s[j] - '0');
          scale *= 10;
        }
      }
      had_fraction = j > 0;
      s.remove_prefix(j);
    }
    if (!had_whole && !had_fraction) throw invalid();
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    std::string_view unit_text = s.substr(0, u);
    if (unit_text.empty()) throw Error("time: missing unit in duration " + quoted);
    uint64_t unit = UnitNanoseconds(unit_text);
    if (unit == 0) throw Error("time: unknown unit \"" + std::string(unit_text) + "\" in duration " + quoted);
    s.remove_prefix(u);

    if (whole > kMaxDuration / unit) throw invalid();
    uint64_t value = whole * unit;
    if (fraction > 0) {
      long double part = static_cast<long double>(fraction) * static_cast<long double>(unit) / static_cast<long double>(scale);
      value += static_cast<uint64_t>(part);
      if (value > kMaxDuration) throw invalid();
    }
    total += value;
    if (total > kMaxDuration) throw invalid();
  }
  return negative ? -static_cast<int64_t>(total) : static_cast<int64_t>(total);
}

}  // namespace ubuild::parser
