#include "builder/copy/dockerignore.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "builder/copy/go_glob.h"
#include "store/base/error.h"
#include "store/base/lexical_path.h"

namespace ubuild::builder {

// A pattern compiled the way patternmatcher does: plain string tests for the
// common shapes, otherwise the regexp it would build, as a token list
// matched by backtracking (patterns and paths are short).
struct DockerIgnore::Pattern {
  enum class Kind { kExact, kPrefix, kSuffix, kTokens };
  enum class Tok { kLiteral, kStar, kOne, kClass, kAnyDirs, kAll, kStartAnchor };
  struct Token {
    Tok tok;
    std::string text;  // literal bytes, or the class body
    bool negated = false;
  };
  Kind kind = Kind::kExact;
  std::string cleaned;
  std::vector<Token> tokens;
  bool exclusion = false;
  size_t depth = 1;  // components of the cleaned pattern

  bool Match(const std::string& path) const;

 private:
  bool MatchFrom(size_t t, const std::string& s, size_t i) const;
};

namespace {

std::string TrimSpace(const std::string& s) {
  const char* ws = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// One decoded rune's byte length at s[i].
size_t RuneLen(const std::string& s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
  return i + n <= s.size() ? n : 1;
}

char32_t RuneAt(const std::string& s, size_t i, size_t n) {
  auto b = static_cast<unsigned char>(s[i]);
  if (n == 1) return b;
  char32_t r = b & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) r = (r << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return r;
}

// Go regexp class body (between '[' and ']', negation already removed):
// single runes, `a-z` ranges, `\x` escapes.
bool ClassMatches(const std::string& body, char32_t r) {
  size_t i = 0;
  auto next = [&](char32_t* out) {
    if (body[i] == '\\' && i + 1 < body.size()) ++i;
    size_t n = RuneLen(body, i);
    *out = RuneAt(body, i, n);
    i += n;
  };
  while (i < body.size()) {
    char32_t lo = 0;
    next(&lo);
    char32_t hi = lo;
    if (i + 1 < body.size() && body[i] == '-') {
      ++i;
      next(&hi);
    }
    if (lo <= r && r <= hi) return true;
  }
  return false;
}

}  // namespace

bool DockerIgnore::Pattern::MatchFrom(size_t t, const std::string& s, size_t i) const {
  for (; t < tokens.size(); ++t) {
    const Token& tk = tokens[t];
    switch (tk.tok) {
      case Tok::kLiteral:
        if (s.compare(i, tk.text.size(), tk.text) != 0) return false;
        i += tk.text.size();
        break;
      case Tok::kStartAnchor:
        if (i != 0) return false;
        break;
      case Tok::kOne: {
        if (i >= s.size() || s[i] == '/') return false;
        i += RuneLen(s, i);
        break;
      }
      case Tok::kClass: {
        if (i >= s.size()) return false;
        size_t n = RuneLen(s, i);
        if (ClassMatches(tk.text, RuneAt(s, i, n)) == tk.negated) return false;
        i += n;
        break;
      }
      case Tok::kStar: {
        // [^/]* : try every run length, longest first.
        size_t end = i;
        while (end < s.size() && s[end] != '/') ++end;
        for (size_t k = end + 1; k-- > i;) {
          if (MatchFrom(t + 1, s, k)) return true;
        }
        return false;
      }
      case Tok::kAnyDirs: {
        // (.*/)? : nothing, or anything up to and including some '/'.
        if (MatchFrom(t + 1, s, i)) return true;
        for (size_t k = i; k < s.size() && s[k] != '\n'; ++k) {
          if (s[k] == '/' && MatchFrom(t + 1, s, k + 1)) return true;
        }
        return false;
      }
      case Tok::kAll: {
        size_t end = i;
        while (end < s.size() && s[end] != '\n') ++end;
        for (size_t k = end + 1; k-- > i;) {
          if (MatchFrom(t + 1, s, k)) return true;
        }
        return false;
      }
    }
  }
  return i == s.size();
}

bool DockerIgnore::Pattern::Match(const std::string& path) const {
  switch (kind) {
    case Kind::kExact:
      return path == cleaned;
    case Kind::kPrefix:
      return path.compare(0, cleaned.size() - 2, cleaned, 0, cleaned.size() - 2) == 0;
    case Kind::kSuffix: {
      std::string suffix = cleaned.substr(2);
      if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
        return true;
      return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1);
    }
    case Kind::kTokens:
      return MatchFrom(0, path, 0);
  }
  return false;
}

namespace {

// patternmatcher's compile(): decides the match kind and builds the token
// list that stands for its regexp.
std::shared_ptr<DockerIgnore::Pattern> Compile(const std::string& cleaned, bool exclusion);

}  // namespace

DockerIgnore DockerIgnore::With(const std::vector<std::string>& more) const {
  std::vector<std::string> all = raw_;
  all.insert(all.end(), more.begin(), more.end());
  return DockerIgnore(all);
}

DockerIgnore::DockerIgnore(const std::vector<std::string>& patterns) : raw_(patterns) {
  // First the file reader's normalisation (ignorefile.ReadAll)...
  bool first = true;
  for (std::string line : patterns) {
    if (first && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    first = false;
    if (!line.empty() && line[0] == '#') continue;
    std::string p = TrimSpace(line);
    if (p.empty()) continue;
    bool invert = p[0] == '!';
    if (invert) p = TrimSpace(p.substr(1));
    if (!p.empty()) {
      p = CleanPath(p);
      if (p.size() > 1 && p[0] == '/') p.erase(0, 1);
    }
    if (invert) p = "!" + p;
    // ...then the matcher's own (patternmatcher.New).
    p = CleanPath(TrimSpace(p));
    bool exclusion = false;
    if (p[0] == '!') {
      if (p.size() == 1) throw Error("illegal exclusion pattern: \"!\"", ".dockerignore");
      exclusion = true;
      p.erase(0, 1);
      has_exceptions_ = true;
    }
    if (!GoPatternValid(p)) throw Error("syntax error in pattern: " + p, ".dockerignore");
    patterns_.emplace_back(p, exclusion);
    compiled_.push_back(Compile(p, exclusion));
  }
}

DockerIgnore DockerIgnore::Load(const std::filesystem::path& context_dir) {
  std::ifstream in(context_dir / ".dockerignore", std::ios::binary);
  if (!in) return DockerIgnore();
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return DockerIgnore(lines);
}

namespace {

// One compile's state: the pattern text, the read position, and the tokens
// and match kind built so far.
class PatternCompiler {
 public:
  using P = DockerIgnore::Pattern;

  PatternCompiler(const std::string& s, P& p) : s_(s), p_(p) {}

  void Run() {
    for (int i = 0; pos_ < s_.size(); ++i) {
      size_t n = RuneLen(s_, pos_);
      std::string ch = s_.substr(pos_, n);
      pos_ += n;
      if (ch == "*") {
        Star(i == 0);
      } else if (ch == "?") {
        Push(P::Tok::kOne);
      } else if (ch == "\\") {
        Escape();
      } else if (ch == "[") {
        Class();
      } else if (ch == "^") {
        // Unescaped in the regexp: an anchor, so it only "matches" at the start.
        p_.tokens.push_back({P::Tok::kStartAnchor, ""});
      } else {
        Literal(ch);
      }
    }
    p_.kind = kind_;
  }

 private:
  void Push(P::Tok tok) {
    p_.tokens.push_back({tok, ""});
    kind_ = P::Kind::kTokens;
  }

  void Literal(const std::string& text) {
    if (!p_.tokens.empty() && p_.tokens.back().tok == P::Tok::kLiteral) {
      p_.tokens.back().text += text;
    } else {
      p_.tokens.push_back({P::Tok::kLiteral, text});
    }
  }

  // "*", or "**" (with an optional "/" after it) for any directories.
  void Star(bool first) {
    if (pos_ >= s_.size() || s_[pos_] != '*') {
      Push(P::Tok::kStar);
      return;
    }
    ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '/') ++pos_;
    if (pos_ < s_.size()) {
      Push(P::Tok::kAnyDirs);
    } else if (kind_ == P::Kind::kExact) {
      kind_ = P::Kind::kPrefix;
    } else {
      Push(P::Tok::kAll);
    }
    if (first) kind_ = P::Kind::kSuffix;
  }

  void Escape() {
    if (pos_ >= s_.size()) {
      Literal("\\");
      return;
    }
    size_t m = RuneLen(s_, pos_);
    Literal(s_.substr(pos_, m));
    pos_ += m;
    kind_ = P::Kind::kTokens;
  }

  // The regexp gets the bracket expression verbatim; GoPatternValid has
  // already rejected an unterminated one.
  void Class() {
    P::Token tk{P::Tok::kClass, ""};
    if (pos_ < s_.size() && s_[pos_] == '^') {
      tk.negated = true;
      ++pos_;
    }
    while (pos_ < s_.size() && s_[pos_] != ']') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) tk.text += s_[pos_++];
      tk.text += s_[pos_++];
    }
    if (pos_ < s_.size()) ++pos_;
    p_.tokens.push_back(tk);
    kind_ = P::Kind::kTokens;
  }

  const std::string& s_;
  P& p_;
  size_t pos_ = 0;
  P::Kind kind_ = P::Kind::kExact;
};

std::shared_ptr<DockerIgnore::Pattern> Compile(const std::string& cleaned, bool exclusion) {
  auto p = std::make_shared<DockerIgnore::Pattern>();
  p->cleaned = cleaned;
  p->exclusion = exclusion;
  for (char c : cleaned) p->depth += c == '/';
  PatternCompiler(cleaned, *p).Run();
  return p;
}

}  // namespace

bool DockerIgnore::MatchInWalk(const std::string& rel, const WalkState& parent, WalkState* self) const {
  (void)parent;
  // patternmatcher.Matches: an inclusion is skipped once matched, an
  // exception until something matched; a pattern that misses the path may
  // still match the path's ancestor at the pattern's own depth.
  const size_t parent_end = rel.rfind('/');
  size_t parent_depth = 0;
  if (parent_end != std::string::npos) {
    parent_depth = 1;
    for (size_t i = 0; i < parent_end; ++i) parent_depth += rel[i] == '/';
  }
  bool matched = false;
  for (size_t i = 0; i < compiled_.size(); ++i) {
    const Pattern& pat = *compiled_[i];
    if (pat.exclusion != matched) continue;
    bool match = pat.Match(rel);
    if (!match && parent_depth > 0 && pat.depth <= parent_depth) {
      size_t cut = 0;
      for (size_t k = 0; k < pat.depth; ++k) cut = rel.find('/', k == 0 ? 0 : cut + 1);
      match = pat.Match(rel.substr(0, cut));
    }
    if (match) matched = !pat.exclusion;
  }
  if (self) self->parent_matched.clear();
  return matched;
}

bool DockerIgnore::HasExceptionsUnder(const std::string& rel_dir) const {
  if (!has_exceptions_) return false;
  const std::string dir_slash = rel_dir + "/";
  for (const auto& [text, exclusion] : patterns_) {
    if (!exclusion) continue;
    if ((text + "/").compare(0, dir_slash.size(), dir_slash) == 0) return true;
  }
  return false;
}

size_t DockerIgnore::WalkDepth() const {
  size_t depth = 0;
  for (const auto& p : compiled_) {
    if (p->cleaned.find_first_of("[\\") != std::string::npos || p->cleaned.find("**") != std::string::npos) {
      return SIZE_MAX;
    }
    depth = std::max(depth, p->depth);
  }
  return depth;
}

bool DockerIgnore::Reach(const std::string& rel, bool* excluded, WalkState* state) const {
  WalkState cur;
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string prefix = slash == std::string::npos ? rel : rel.substr(0, slash);
    WalkState next;
    bool ex = MatchInWalk(prefix, cur, &next);
    if (slash == std::string::npos) {
      if (excluded) *excluded = ex;
      if (state) *state = std::move(next);
      return true;
    }
    if (ex && !HasExceptionsUnder(prefix)) return false;
    cur = std::move(next);
    start = slash + 1;
  }
}

bool DockerIgnore::Excluded(const std::string& rel) const {
  if (compiled_.empty() || rel.empty() || rel == ".") return false;
  bool excluded = false;
  if (!Reach(rel, &excluded, nullptr)) return true;
  return excluded;
}

}  // namespace ubuild::builder
