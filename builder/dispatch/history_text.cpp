#include "builder/dispatch/history_text.h"

#include <cstdio>

#include "parser/go_quote.h"
#include "store/base/strings.h"

namespace ubuild::builder {

namespace {

std::string Quote(const std::string& s) { return parser::GoQuote(s); }

// Go's fmtFrac/fmtInt pair from time.Duration.String, for the <1h parts.
std::string FormatUnit(int64_t v, int64_t unit, int precision) {
  std::string whole = std::to_string(v / unit);
  int64_t frac = v % unit;
  if (frac == 0) return whole;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", precision, static_cast<long long>(frac));
  std::string f = buf;
  while (!f.empty() && f.back() == '0') f.pop_back();
  return whole + "." + f;
}

}  // namespace

std::string GoList(const std::vector<std::string>& v) { return "[" + Join(v, " ") + "]"; }

std::string GoQuotedList(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back(Quote(s));
  return "[" + Join(q, " ") + "]";
}

std::string GoDuration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-ns) : static_cast<uint64_t>(ns);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + FormatUnit(static_cast<int64_t>(u), 1000, 3) + "µs";
  if (u < 1000000000) return sign + FormatUnit(static_cast<int64_t>(u), 1000000, 6) + "ms";
  uint64_t secs_ns = u % 60000000000ULL;
  uint64_t mins = u / 60000000000ULL;
  std::string s = FormatUnit(static_cast<int64_t>(secs_ns), 1000000000, 9) + "s";
  if (mins == 0) return sign + s;
  uint64_t hours = mins / 60;
  mins %= 60;
  if (hours == 0) return sign + std::to_string(mins) + "m" + s;
  return sign + std::to_string(hours) + "h" + std::to_string(mins) + "m" + s;
}

std::string NopCreatedBy(const std::vector<std::string>& shell, const std::string& text) {
  // Docker appends the two words "#(nop) " and text to the shell and joins with
  // spaces, hence the double space.
  return Join(shell, " ") + " #(nop)  " + text;
}

std::string NopCreatedByOneSpace(const std::vector<std::string>& shell, const std::string& text) {
  return Join(shell, " ") + " #(nop) " + text;
}

std::string RunCreatedBy(const std::vector<std::string>& build_args, const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  if (!build_args.empty()) {
    words.push_back("|" + std::to_string(build_args.size()));
    words.insert(words.end(), build_args.begin(), build_args.end());
  }
  words.insert(words.end(), argv.begin(), argv.end());
  return Join(words, " ");
}

std::string HealthcheckText(const std::vector<std::string>& test, int64_t interval_ns, int64_t timeout_ns,
                            int64_t start_period_ns, int retries) {
  char r[16];
  // %q of an int is a quoted rune literal.
  if (retries >= 0x20 && retries < 0x7f && retries != '\'' && retries != '\\') {
    std::snprintf(r, sizeof r, "'%c'", retries);
  } else if (retries == '\'' || retries == '\\') {
    std::snprintf(r, sizeof r, "'\\%c'", retries);
  } else {
    std::snprintf(r, sizeof r, "'\\x%02x'", retries & 0xff);
  }
  return "HEALTHCHECK &{" + GoQuotedList(test) + " " + Quote(GoDuration(interval_ns)) + " " +
         Quote(GoDuration(timeout_ns)) + " " + Quote(GoDuration(start_period_ns)) + " " + r + "}";
}

}  // namespace ubuild::builder
