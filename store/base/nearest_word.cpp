#include "store/base/nearest_word.h"

#include <algorithm>

#include "store/base/strings.h"

namespace ubuild {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic-programming table: the swap looks two rows back.
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> NearestWords(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string lower = AsciiLower(std::string(word));
  std::vector<std::string> nearest;
  if (lower.empty()) return nearest;
  const size_t limit = std::min(kMaxSuggestionDistance, std::max<size_t>(1, lower.size() / 2));
  size_t best = limit;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(lower, AsciiLower(c));
    if (d > limit) continue;
    if (d < best) {
      best = d;
      nearest.clear();
    }
    if (d == best) nearest.push_back(c);
  }
  if (!nearest.empty()) return nearest;
  for (const std::string& c : candidates) {
    if (AsciiLower(c).rfind(lower, 0) == 0) nearest.push_back(c);
  }
  return nearest;
}

}  // namespace ubuild
