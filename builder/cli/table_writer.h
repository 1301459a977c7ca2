#pragma once
// Column alignment as Docker's CLI does it (Go text/tabwriter with
// minwidth 10, padding 3, last column unpadded).
#include <ostream>
#include <string>
#include <vector>

namespace ubuild::cli {

class TableWriter {
 public:
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ubuild::cli
