#include "builder/cli/table_writer.h"

#include <algorithm>

namespace ubuild::cli {

namespace {

constexpr size_t kMinWidth = 10;
constexpr size_t kPadding = 3;

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void TableWriter::Print(std::ostream& out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.resize(i + 1, 0);
      widths[i] = std::max(widths[i], std::max(kMinWidth, DisplayWidth(row[i]) + kPadding));
    }
  }
  std::string line;
  for (const auto& row : rows_) {
    line.clear();
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - DisplayWidth(row[i]), ' ');
    }
    line += '\n';
    out << line;
  }
}

}  // namespace ubuild::cli
