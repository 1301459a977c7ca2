#pragma once
// Docker's shell-word expansion for Dockerfile instructions (BuildKit's
// shell.Lex): $VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w}, ${VAR+w},
// ${VAR:?m}, ${VAR?m}, ${VAR#p}, ${VAR##p}, ${VAR%p}, ${VAR%%p},
// ${VAR/p/r}; quote removal; the escape character. Throws ubuild::Error
// (without location: the caller adds the line) on malformed input and when
// a result passes kMaxExpansionGrowth.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ubuild::parser {

// How much longer than its own text an expanded word may grow (1 MiB).
// Without a bound, `ARG A=${A}${A}` repeated doubles memory every line;
// passing it is an error ("... longer than 1 MiB").
constexpr size_t kMaxExpansionGrowth = size_t{1} << 20;

// What all the expansions of one build together may add (16 MiB): many
// words each under kMaxExpansionGrowth must not add up to gigabytes of
// labels, env or args either.
class ExpansionBudget {
 public:
  static constexpr size_t kTotal = size_t{16} << 20;
  // Charges the growth of a word expanded from `before` to `after` bytes;
  // throws ubuild::Error (without location) once the total passes kTotal.
  void Charge(size_t before, size_t after);

 private:
  size_t spent_ = 0;
};

// Looks a variable up; nullopt means unset.
using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

// One word with quotes removed and variables expanded ("a b" stays one word).
std::string ExpandWord(std::string_view word, const VarLookup& vars, char escape = '\\');

// Splits into words on unquoted whitespace, then expands each (EXPOSE, VOLUME ...).
std::vector<std::string> ExpandWords(std::string_view text, const VarLookup& vars, char escape = '\\');

// A heredoc body (COPY <<EOF with an unquoted delimiter): only `$` is
// special and `\` escapes; quotes are data. BuildKit's SkipProcessQuotes mode.
std::string ExpandHeredoc(std::string_view body, const VarLookup& vars);

// Lookup over "K=V" strings, later entries winning.
VarLookup LookupFromEnv(const std::vector<std::string>& env);

}  // namespace ubuild::parser
