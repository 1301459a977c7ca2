#include "store/go_json.h"

#include <string_view>

namespace ubuild::store {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the UTF-8 sequence starting at s[i], 0 when it is not one Go's
// utf8.DecodeRune accepts (overlong forms, surrogates, past U+10FFFF, truncated).
size_t Utf8Length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

void AppendEscaped(std::string& out, unsigned char c) {
  out += "\\u00";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

void AppendString(std::string& out, std::string_view s, bool escape_html) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&'))) {
            AppendEscaped(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    // U+2028 and U+2029 end lines in JavaScript; Go escapes them always.
    if (n == 3 && c == 0xE2 && s[i + 1] == '\x80' && (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
      out += s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
    } else {
      out.append(s, i, n);
    }
    i += n;
  }
  out += '"';
}

void AppendNewline(std::string& out, const GoJsonStyle& style, int depth) {
  if (style.indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(style.indent) * static_cast<size_t>(depth), ' ');
}

void Append(std::string& out, const nlohmann::ordered_json& v, const GoJsonStyle& style, int depth) {
  if (v.is_string()) {
    AppendString(out, v.get_ref<const std::string&>(), style.escape_html);
  } else if (v.is_object()) {
    if (v.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ',';
      first = false;
      AppendNewline(out, style, depth + 1);
      AppendString(out, it.key(), style.escape_html);
      out += style.indent < 0 ? ":" : ": ";
      Append(out, it.value(), style, depth + 1);
    }
    AppendNewline(out, style, depth);
    out += '}';
  } else if (v.is_array()) {
    if (v.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ',';
      first = false;
      AppendNewline(out, style, depth + 1);
      Append(out, e, style, depth + 1);
    }
    AppendNewline(out, style, depth);
    out += ']';
  } else {
    out += v.dump();  // null, booleans and numbers
  }
}

}  // namespace

std::string GoJson(const nlohmann::ordered_json& value, GoJsonStyle style) {
  std::string out;
  Append(out, value, style, 0);
  return out;
}

}  // namespace ubuild::store
