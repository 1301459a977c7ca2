#pragma once
// Go's text/tabwriter as docker's formatter configures it for `table`
// formats (minwidth 10, tabwidth 1, padding 3, blanks, no flags): cells end
// at '\t', a line's last cell is not aligned, and a column is as wide as
// its widest cell in each block of consecutive lines that have it.
// TableWriter is the same for tables whose rows all have the same cells;
// this takes any text a template printed.
#include <string>
#include <string_view>

namespace ubuild::cli {

std::string GoTabwriterAlign(std::string_view text);

}  // namespace ubuild::cli
