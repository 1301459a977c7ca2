#include "store/registry/auth_challenge.h"

#include "store/base/error.h"
#include "store/base/strings.h"

namespace ubuild::store::registry {

namespace {

// tchar of RFC 7230 §3.2.6.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class ChallengeReader {
 public:
  explicit ChallengeReader(std::string_view s) : s_(s) {}

  std::vector<AuthChallenge> Read() {
    std::vector<AuthChallenge> out;
    SkipSeparators();
    while (pos_ < s_.size()) {
      AuthChallenge c;
      c.scheme = AsciiLower(Token());
      if (c.scheme.empty()) Fail("expected an authentication scheme");
      SkipSpaces();
      ReadParams(c);
      out.push_back(std::move(c));
      SkipSeparators();
    }
    if (out.empty()) Fail("no challenge");
    return out;
  }

 private:
  // auth-params until the next challenge: a token not followed by '='.
  void ReadParams(AuthChallenge& c) {
    while (pos_ < s_.size()) {
      size_t mark = pos_;
      std::string name = Token();
      SkipSpaces();
      if (name.empty() || pos_ >= s_.size() || s_[pos_] != '=') {
        pos_ = mark;
        return;
      }
      ++pos_;
      SkipSpaces();
      c.params[AsciiLower(name)] = pos_ < s_.size() && s_[pos_] == '"' ? Quoted() : BareValue();
      SkipSpaces();
      if (pos_ < s_.size()) {
        if (s_[pos_] != ',') Fail("expected ',' after the value of " + name);
        SkipSeparators();
      }
    }
  }

  std::string Token() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsTokenChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  // An unquoted value; servers write URLs this way although '/' and ':'
  // are not token characters, so it runs to the next ',' or space.
  std::string BareValue() {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ' ' && s_[pos_] != '\t' && s_[pos_] != '"') ++pos_;
    if (pos_ == start) Fail("expected a value");
    return std::string(s_.substr(start, pos_ - start));
  }

  std::string Quoted() {
    std::string out;
    for (++pos_; pos_ < s_.size(); ++pos_) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        if (++pos_ >= s_.size()) break;
        c = s_[pos_];
      }
      out += c;
    }
    Fail("unterminated quoted string");
  }

  void SkipSpaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  void SkipSeparators() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == ',')) ++pos_;
  }
  [[noreturn]] void Fail(const std::string& what) const {
    throw Error("malformed WWW-Authenticate header at offset " + std::to_string(pos_) + ": " + what,
                std::string(s_));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<AuthChallenge> ParseAuthChallenges(std::string_view header) { return ChallengeReader(header).Read(); }

}  // namespace ubuild::store::registry
