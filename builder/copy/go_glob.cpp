#include "builder/copy/go_glob.h"

#include "store/base/error.h"

namespace ubuild::builder {

namespace {

struct BadPattern {};

// One UTF-8 code point; an invalid byte decodes as itself with length 1
// (0xFFFD in Go, but only equality with other runes matters here).
char32_t DecodeRune(std::string_view s, size_t* len) {
  auto b0 = static_cast<unsigned char>(s[0]);
  auto cont = [&](size_t i) { return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; };
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    *len = 2;
    return ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[1]) & 0x3Fu);
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    *len = 3;
    return ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[2]) & 0x3Fu);
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    *len = 4;
    return ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(s[1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[3]) & 0x3Fu);
  }
  *len = 1;
  return 0xFFFD;
}

// A class bound: one rune, possibly backslash-escaped. Go rejects '-' and ']'
// here and a class that ends the pattern.
char32_t ClassRune(std::string_view* chunk) {
  if (chunk->empty() || (*chunk)[0] == '-' || (*chunk)[0] == ']') throw BadPattern{};
  if ((*chunk)[0] == '\\') {
    chunk->remove_prefix(1);
    if (chunk->empty()) throw BadPattern{};
  }
  size_t n = 0;
  char32_t r = DecodeRune(*chunk, &n);
  chunk->remove_prefix(n);
  if (chunk->empty()) throw BadPattern{};
  return r;
}

// Splits off leading stars and the literal/class/? run up to the next
// unbracketed star.
std::string_view ScanChunk(std::string_view* pattern, bool* star) {
  *star = false;
  while (!pattern->empty() && (*pattern)[0] == '*') {
    pattern->remove_prefix(1);
    *star = true;
  }
  bool in_range = false;
  size_t i = 0;
  for (; i < pattern->size(); ++i) {
    char c = (*pattern)[i];
    if (c == '\\') {
      if (i + 1 < pattern->size()) ++i;
    } else if (c == '[') {
      in_range = true;
    } else if (c == ']') {
      in_range = false;
    } else if (c == '*' && !in_range) {
      break;
    }
  }
  std::string_view chunk = pattern->substr(0, i);
  pattern->remove_prefix(i);
  return chunk;
}

// Matches `chunk` at the start of `s`; on success returns true and the rest.
// Keeps parsing after a mismatch so that syntax errors are always reported.
bool MatchChunk(std::string_view chunk, std::string_view s, std::string_view* rest) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    char c = chunk[0];
    if (c == '[') {
      char32_t r = 0;
      if (!failed) {
        size_t n = 0;
        r = DecodeRune(s, &n);
        s.remove_prefix(n);
      }
      chunk.remove_prefix(1);
      bool negated = false;
      if (!chunk.empty() && chunk[0] == '^') {
        negated = true;
        chunk.remove_prefix(1);
      }
      bool match = false;
      for (int nrange = 0;; ++nrange) {
        if (!chunk.empty() && chunk[0] == ']' && nrange > 0) {
          chunk.remove_prefix(1);
          break;
        }
        char32_t lo = ClassRune(&chunk);
        char32_t hi = lo;
        if (chunk[0] == '-') {
          chunk.remove_prefix(1);
          hi = ClassRune(&chunk);
        }
        if (lo <= r && r <= hi) match = true;
      }
      if (match == negated) failed = true;
    } else if (c == '?') {
      if (!failed) {
        if (s[0] == '/') failed = true;
        size_t n = 0;
        DecodeRune(s, &n);
        s.remove_prefix(n);
      }
      chunk.remove_prefix(1);
    } else {
      if (c == '\\') {
        chunk.remove_prefix(1);
        if (chunk.empty()) throw BadPattern{};
      }
      if (!failed) {
        if (chunk[0] != s[0]) failed = true;
        s.remove_prefix(1);
      }
      chunk.remove_prefix(1);
    }
  }
  if (failed) return false;
  *rest = s;
  return true;
}

bool MatchOrThrow(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    bool star = false;
    std::string_view chunk = ScanChunk(&pattern, &star);
    if (star && chunk.empty()) return name.find('/') == std::string_view::npos;
    std::string_view rest;
    if (MatchChunk(chunk, name, &rest) && (rest.empty() || !pattern.empty())) {
      name = rest;
      continue;
    }
    bool advanced = false;
    if (star) {
      for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
        if (MatchChunk(chunk, name.substr(i + 1), &rest)) {
          if (pattern.empty() && !rest.empty()) continue;
          name = rest;
          advanced = true;
          break;
        }
      }
    }
    if (advanced) continue;
    while (!pattern.empty()) {
      std::string_view ignored;
      MatchChunk(ScanChunk(&pattern, &star), "", &ignored);
    }
    return false;
  }
  return name.empty();
}

}  // namespace

bool GoMatch(std::string_view pattern, std::string_view name) {
  try {
    return MatchOrThrow(pattern, name);
  } catch (const BadPattern&) {
    throw Error("syntax error in pattern: " + std::string(pattern));
  }
}

bool GoPatternValid(std::string_view pattern) {
  try {
    MatchOrThrow(pattern, ".");
    return true;
  } catch (const BadPattern&) {
    return false;
  }
}

bool HasGoWildcards(std::string_view path) {
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '\\') {
      ++i;
    } else if (c == '*' || c == '?' || c == '[') {
      return true;
    }
  }
  return false;
}

}  // namespace ubuild::builder
