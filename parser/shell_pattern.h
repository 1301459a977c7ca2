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
  // Throws ubuild::Error "invalid pattern (...) in substitution: ..." on a
  // bad escape.
  explicit ShellPattern(std::string_view pattern);

  // Removes the shortest (or, with longest, the longest) matching prefix/suffix.
  std::string TrimPrefix(const std::string& value, bool longest) const;
  std::string TrimSuffix(const std::string& value, bool longest) const;
  // Replaces the leftmost longest match, or every non-overlapping match.
  std::string Replace(const std::string& value, const std::string& replacement, bool all) const;

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
};

}  // namespace ubuild::parser
