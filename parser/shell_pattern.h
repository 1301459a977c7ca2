#pragma once
// The wildcard patterns of ${VAR#pat}, ${VAR%pat} and ${VAR/pat/rep}:
// `?` one character, `*` any run of characters, `\*` `\?` `\\` literal,
// `\}` and `\/` the plain character (they had to be escaped inside ${}).
// Bracket expressions are not supported, as in BuildKit.
#include <string>
#include <string_view>
#include <vector>

namespace ubuild::parser {

class ShellPattern {
 public:
  static constexpr size_t kMaxMatchSteps = 100'000'000;  // well under a second

  // Throws ubuild::Error "invalid pattern (...) in substitution: ..." on a
  // bad escape. Every operation throws ubuild::Error when matching takes
  // more than kMaxMatchSteps character comparisons.
  explicit ShellPattern(std::string_view pattern);

  // Removes the shortest (or, with longest, the longest) matching prefix/suffix.
  std::string TrimPrefix(const std::string& value, bool longest) const;
  std::string TrimSuffix(const std::string& value, bool longest) const;
  // Replaces the leftmost longest match, or every non-overlapping match;
  // throws ubuild::Error when the result would pass max_size bytes.
  std::string Replace(const std::string& value, const std::string& replacement, bool all,
                      size_t max_size) const;

 private:
  enum class Kind { kLiteral, kAnyChar, kAnyRun };
  struct Token {
    Kind kind;
    std::string literal;  // one character (a whole UTF-8 sequence) for kLiteral
  };

  // Whether the pattern matches value[begin, end) exactly.
  bool Matches(std::string_view text) const;
  bool MatchFrom(size_t token, std::string_view text) const;

  std::vector<Token> tokens_;
  // Matching steps taken so far: the trims and Replace try a match at every
  // position, so a `*` pattern over a long value is quadratic or worse; past
  // kMaxMatchSteps the operator fails instead of running for hours.
  mutable size_t steps_ = 0;
};

}  // namespace ubuild::parser
