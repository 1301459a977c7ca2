#include "builder/cli/go_tabwriter.h"

#include <algorithm>
#include <vector>

namespace ubuild::cli {

namespace {

constexpr size_t kMinWidth = 10;
constexpr size_t kPadding = 3;

size_t Runes(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class Aligner {
 public:
  explicit Aligner(std::string_view text) {
    std::vector<std::string_view> cells;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != '\t' && text[i] != '\n') continue;
      cells.push_back(text.substr(start, i - start));
      start = i + 1;
      if (i == text.size() || text[i] == '\n') {
        lines_.push_back(std::move(cells));
        cells.clear();
      }
    }
  }

  std::string Run() {
    Format(0, lines_.size());
    return std::move(out_);
  }

 private:
  // tabwriter's format(): the block of lines [line0, line1) that share the
  // columns in widths_; each run of lines with one more cell opens a column.
  void Format(size_t line0, size_t line1) {
    const size_t column = widths_.size();
    for (size_t i = line0; i < line1; ++i) {
      if (column + 1 >= lines_[i].size()) continue;
      WriteLines(line0, i);
      line0 = i;
      size_t width = kMinWidth;
      for (; i < line1 && column + 1 < lines_[i].size(); ++i) width = std::max(width, Runes(lines_[i][column]) + kPadding);
      widths_.push_back(width);
      Format(line0, i);
      widths_.pop_back();
      line0 = i;
    }
    WriteLines(line0, line1);
  }

  void WriteLines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      for (size_t j = 0; j < lines_[i].size(); ++j) {
        out_ += lines_[i][j];
        if (j < widths_.size()) out_.append(widths_[j] - Runes(lines_[i][j]), ' ');
      }
      if (i + 1 < lines_.size()) out_ += '\n';
    }
  }

  std::vector<std::vector<std::string_view>> lines_;
  std::vector<size_t> widths_;
  std::string out_;
};

}  // namespace

std::string GoTabwriterAlign(std::string_view text) { return Aligner(text).Run(); }

}  // namespace ubuild::cli
