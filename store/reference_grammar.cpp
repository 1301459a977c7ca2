// The distribution/reference grammar's terminals, as Docker's
// reference package defines them; errors stay with the callers.
#include "store/reference_grammar.h"

namespace ubuild::store {

namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsDomainName(std::string_view host) {
  for (size_t start = 0;;) {
    size_t dot = host.find('.', start);
    std::string_view c = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
    for (char ch : c) {
      if (!IsAlnum(ch) && ch != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | -+
bool IsPathComponent(std::string_view s) {
  size_t i = 0;
  auto alnum_run = [&] {
    size_t start = i;
    while (i < s.size() && IsLowerAlnum(s[i])) ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

bool IsPath(std::string_view path) {
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    if (!IsPathComponent(path.substr(start, slash == std::string_view::npos ? slash : slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}


// domain := (domain-name | '[' IPv6 ']') [':' port-number]
bool IsDomain(std::string_view d) {
  std::string_view host = d;
  std::string_view port;
  bool has_port = false;
  if (!d.empty() && d.front() == '[') {
    size_t close = d.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : d.substr(1, close - 1)) {
      if (!IsHexDigit(c) && c != ':' && c != '.') return false;
    }
    host = {};
    if (close + 1 < d.size()) {
      if (d[close + 1] != ':') return false;
      has_port = true;
      port = d.substr(close + 2);
    }
  } else if (size_t colon = d.find(':'); colon != std::string_view::npos) {
    host = d.substr(0, colon);
    has_port = true;
    port = d.substr(colon + 1);
  }
  if (has_port) {
    if (port.empty()) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
  }
  return host.empty() ? d.front() == '[' : IsDomainName(host);
}

// tag := [\w][\w.-]{0,127}
bool IsTag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !IsWord(t[0])) return false;
  for (char c : t) {
    if (!IsWord(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) || c > 'f') return false;
  }
  return true;
}

}  // namespace ubuild::store
