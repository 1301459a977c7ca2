#include "builder/cli/human_format.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "store/rfc3339.h"

namespace ubuild::cli {

std::string HumanDuration(int64_t seconds) {
  auto fmt = [](int64_t n, const char* unit) { return std::to_string(n) + " " + unit; };
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt(seconds, "seconds");
  int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt(minutes, "minutes");
  int64_t hours = (seconds + 1800) / 3600;  // go-units rounds hours
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt(hours, "hours");
  if (hours < 24 * 7 * 2) return fmt(hours / 24, "days");
  if (hours < 24 * 30 * 2) return fmt(hours / 24 / 7, "weeks");
  if (hours < 24 * 365 * 2) return fmt(hours / 24 / 30, "months");
  return fmt(seconds / 3600 / 24 / 365, "years");
}

std::string HumanSince(const std::string& rfc3339) {
  auto t = store::ParseRfc3339(rfc3339);
  if (!t) return "N/A";
  return HumanDuration(static_cast<int64_t>(std::time(nullptr)) - *t) + " ago";
}

std::string LocalRfc3339(const std::string& rfc3339) {
  auto t = store::ParseRfc3339(rfc3339);
  if (!t) return rfc3339;
  const time_t secs = static_cast<time_t>(*t);
  struct tm local {};
  localtime_r(&secs, &local);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &local);
  const long offset = local.tm_gmtoff;
  if (offset == 0) return std::string(text) + "Z";
  const int minutes = static_cast<int>(std::labs(offset) / 60 % (24 * 60));  // zones are under a day
  char zone[16];
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
  return std::string(text) + zone;
}

std::string LocalGoTime(const std::string& rfc3339) {
  auto t = store::ParseRfc3339(rfc3339);
  if (!t) return rfc3339;
  const time_t secs = static_cast<time_t>(*t);
  struct tm local {};
  localtime_r(&secs, &local);
  char text[96];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S %z %Z", &local);
  return text;
}

std::string HumanSize(uint64_t bytes, int precision) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= 1000.0 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
    size /= 1000.0;
    ++unit;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.*g%s", precision, size, kUnits[unit]);
  return buf;
}

std::string Ellipsis(const std::string& s, size_t max_width) {
  // Count UTF-8 code points, not bytes, as Docker counts display runes.
  auto is_lead = [](unsigned char c) { return (c & 0xC0) != 0x80; };
  size_t runes = 0;
  for (unsigned char c : s) runes += is_lead(c);
  if (runes <= max_width) return s;
  size_t keep = max_width > 0 ? max_width - 1 : 0, seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if (is_lead(static_cast<unsigned char>(s[i]))) {
      if (seen == keep) break;
      ++seen;
    }
  }
  return s.substr(0, i) + "…";
}

}  // namespace ubuild::cli
