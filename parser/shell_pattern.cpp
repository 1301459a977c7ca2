// Shell wildcard matching for the ${VAR#pat}-family operators. BuildKit
// compiles these to regular expressions; plain glob matching over UTF-8
// characters gives the same shortest/longest answers without a regex engine.
#include "parser/shell_pattern.h"

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

// Length of the UTF-8 sequence starting at s[i] (1 for stray bytes, so
// malformed text is still walked byte by byte rather than rejected).
size_t CharLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  return i + n <= s.size() ? n : 1;
}

// Byte offsets where a character starts, plus the end.
std::vector<size_t> Boundaries(std::string_view s) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.size(); i += CharLength(s, i)) out.push_back(i);
  out.push_back(s.size());
  return out;
}

}  // namespace

ShellPattern::ShellPattern(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '*') {
      tokens_.push_back({Kind::kAnyRun, {}});
      ++i;
    } else if (c == '?') {
      tokens_.push_back({Kind::kAnyChar, {}});
      ++i;
    } else if (c == '\\') {
      if (i + 1 < pattern.size() && (pattern[i + 1] == '}' || pattern[i + 1] == '/')) {
        ++i;  // the backslash only protected the ${} syntax
        continue;
      }
      if (i + 1 >= pattern.size() || (pattern[i + 1] != '*' && pattern[i + 1] != '?' && pattern[i + 1] != '\\')) {
        std::string bad = i + 1 < pattern.size() ? std::string(1, pattern[i + 1]) : std::string();
        throw Error("invalid pattern (" + std::string(pattern) + ") in substitution: invalid escape '\\" + bad + "'");
      }
      tokens_.push_back({Kind::kLiteral, std::string(1, pattern[i + 1])});
      i += 2;
    } else {
      size_t n = CharLength(pattern, i);
      tokens_.push_back({Kind::kLiteral, std::string(pattern.substr(i, n))});
      i += n;
    }
  }
}

bool ShellPattern::Matches(std::string_view text) const { return MatchFrom(0, text); }

// Iterative glob match with single-star backtracking: O(tokens * text).
bool ShellPattern::MatchFrom(size_t token, std::string_view text) const {
  size_t t = token, pos = 0;
  size_t star_token = std::string::npos, star_pos = 0;
  while (pos < text.size()) {
    if (++steps_ > kMaxMatchSteps) {
      throw Error("pattern matching in substitution takes too long: the value is too long for this pattern");
    }
    if (t < tokens_.size()) {
      const Token& tok = tokens_[t];
      if (tok.kind == Kind::kAnyRun) {
        star_token = t++;
        star_pos = pos;
        continue;
      }
      if (tok.kind == Kind::kAnyChar) {
        pos += CharLength(text, pos);
        ++t;
        continue;
      }
      if (text.compare(pos, tok.literal.size(), tok.literal) == 0) {
        pos += tok.literal.size();
        ++t;
        continue;
      }
    }
    if (star_token == std::string::npos) return false;
    star_pos += CharLength(text, star_pos);
    pos = star_pos;
    t = star_token + 1;
  }
  while (t < tokens_.size() && tokens_[t].kind == Kind::kAnyRun) ++t;
  return t == tokens_.size();
}

std::string ShellPattern::TrimPrefix(const std::string& value, bool longest) const {
  std::vector<size_t> ends = Boundaries(value);
  if (longest) {
    for (auto it = ends.rbegin(); it != ends.rend(); ++it)
      if (Matches(std::string_view(value).substr(0, *it))) return value.substr(*it);
  } else {
    for (size_t end : ends)
      if (Matches(std::string_view(value).substr(0, end))) return value.substr(end);
  }
  return value;
}

std::string ShellPattern::TrimSuffix(const std::string& value, bool longest) const {
  std::vector<size_t> starts = Boundaries(value);
  if (longest) {
    for (size_t start : starts)
      if (Matches(std::string_view(value).substr(start))) return value.substr(0, start);
  } else {
    for (auto it = starts.rbegin(); it != starts.rend(); ++it)
      if (Matches(std::string_view(value).substr(*it))) return value.substr(0, *it);
  }
  return value;
}

std::string ShellPattern::Replace(const std::string& value, const std::string& replacement, bool all,
                                  size_t max_size) const {
  std::vector<size_t> bounds = Boundaries(value);
  std::string out;
  size_t copied = 0;  // bytes of value already emitted
  size_t previous_end = std::string::npos;
  for (size_t bi = 0; bi < bounds.size(); ++bi) {
    size_t start = bounds[bi];
    if (start < copied) continue;
    // Leftmost position first, then the longest match there (greedy `*`).
    size_t match_end = std::string::npos;
    for (size_t ei = bounds.size(); ei-- > bi;) {
      if (Matches(std::string_view(value).substr(start, bounds[ei] - start))) {
        match_end = bounds[ei];
        break;
      }
    }
    if (match_end == std::string::npos) continue;
    // Go's ReplaceAll ignores an empty match abutting the previous match.
    if (match_end == start && start == previous_end) continue;
    out += value.substr(copied, start - copied);
    out += replacement;
    if (out.size() > max_size) throw Error("the replacement makes a value longer than " + std::to_string(max_size) + " bytes");
    copied = previous_end = match_end;
    if (!all) break;
  }
  out += value.substr(copied);
  return out;
}

}  // namespace ubuild::parser
