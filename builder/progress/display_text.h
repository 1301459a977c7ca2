#pragma once
// Text pieces of the displays: sizes, durations, and a command's output
// line made safe to draw (no escapes, no carriage returns, one row).
#include <cstdint>
#include <string>
#include <string_view>

namespace ubuild::progress {

std::string HumanBytes(double bytes);         // "532B", "12.3kB", "1.05GB" (powers of 1000, as docker shows)
std::string Seconds(int64_t nanos);           // "0.3s", "12.0s"
std::string EtaText(double seconds);          // "4s", "2m05s", "1h02m"

// A command's output line for the terminal: what follows its last carriage
// return (a progress bar redrawing itself), escape sequences dropped, tabs
// to spaces, other control characters dropped.
std::string DrawableLine(std::string_view line);

// At most `columns` columns of UTF-8 text (one column per code point).
std::string FitColumns(const std::string& text, int columns);
int Columns(const std::string& text);

}  // namespace ubuild::progress
