#include "builder/progress/display_text.h"

#include <cstdio>

namespace ubuild::progress {

std::string HumanBytes(double bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  size_t unit = 0;
  // 999.5 and up would print as "1e+03" with three digits: the next unit.
  while (bytes >= 999.5 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
    bytes /= 1000;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%.0f%s", bytes, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g%s", bytes, kUnits[unit]);
  }
  return buf;
}

std::string Seconds(int64_t nanos) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(nanos < 0 ? 0 : nanos) / 1e9);
  return buf;
}

std::string EtaText(double seconds) {
  const long long s = seconds < 0 ? 0 : static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, s / 60 % 60);
  }
  return buf;
}

std::string DrawableLine(std::string_view line) {
  // A trailing \r (a CRLF line) ends nothing: only what a later \r overwrote is gone.
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (size_t cr = line.rfind('\r'); cr != std::string_view::npos) line.remove_prefix(cr + 1);
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == 0x1b) {
      // CSI: ESC [ parameters final-byte. OSC (a title, a link): ESC ] text
      // BEL or ESC \. Others: ESC, intermediate bytes, one final byte.
      ++i;
      if (i < line.size() && line[i] == '[') {
        ++i;
        while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7e)) ++i;
      } else if (i < line.size() && line[i] == ']') {
        while (i < line.size() && line[i] != '\x07' && !(line[i] == 0x1b && i + 1 < line.size() && line[i + 1] == '\\')) ++i;
        if (i < line.size() && line[i] == 0x1b) ++i;
      } else {
        while (i < line.size() && line[i] >= 0x20 && line[i] <= 0x2f) ++i;
      }
    } else if (c == '\t') {
      out.append(8 - Columns(out) % 8, ' ');
    } else if (c >= 0x20 && c != 0x7f) {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int Columns(const std::string& text) {
  int n = 0;
  for (unsigned char c : text) n += (c & 0xc0) != 0x80;
  return n;
}

std::string FitColumns(const std::string& text, int columns) {
  int n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80 && n++ == columns) return text.substr(0, i);
  }
  return text;
}

}  // namespace ubuild::progress
