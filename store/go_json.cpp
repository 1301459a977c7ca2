#include "store/go_json.h"

#include <algorithm>
#include <vector>

#include "store/base/go_utf8.h"

namespace ubuild::store {

namespace {

constexpr bool IsPlainByte(unsigned char c, bool escape_html) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && !(escape_html && (c == '<' || c == '>' || c == '&'));
}

// IsPlainByte by table, [escape_html][byte]: every step of a build writes its
// whole config, so this test runs on every byte of n configs.
struct PlainTable {
  bool plain[2][256] = {};
  constexpr PlainTable() {
    for (int html = 0; html < 2; ++html) {
      for (int c = 0; c < 256; ++c) plain[html][c] = IsPlainByte(static_cast<unsigned char>(c), html == 1);
    }
  }
};
constexpr PlainTable kPlain;


void AppendString(std::string& out, std::string_view s, bool escape_html) {
  out += '"';
  const bool* is_plain = kPlain.plain[escape_html ? 1 : 0];
  while (!s.empty()) {
    // Runs of characters written as they are go out in one append: configs
    // are mostly such text, and each step of a build writes its whole config.
    size_t plain = 0;
    while (plain < s.size() && is_plain[static_cast<unsigned char>(s[plain])]) ++plain;
    if (plain > 0) {
      out.append(s.data(), plain);
      s.remove_prefix(plain);
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(s[0]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&'))) {
            out += "\\u";
            AppendHex(out, c, 4);
          } else {
            out += static_cast<char>(c);
          }
      }
      s.remove_prefix(1);
      continue;
    }
    const DecodedRune d = DecodeRune(s);
    if (!d.valid) {
      AppendRune(out, kReplacementChar);
    } else if (d.rune == 0x2028 || d.rune == 0x2029) {
      // U+2028 and U+2029 end lines in JavaScript; Go escapes them always.
      out += "\\u";
      AppendHex(out, d.rune, 4);
    } else {
      out += s.substr(0, d.width);
    }
    s.remove_prefix(d.width);
  }
  out += '"';
}

void AppendNewline(std::string& out, const GoJsonStyle& style, int depth) {
  if (style.indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(style.indent) * static_cast<size_t>(depth), ' ');
}

void Append(std::string& out, const nlohmann::ordered_json& v, const GoJsonStyle& style, int depth);

using Member = nlohmann::ordered_json::object_t::value_type;

void AppendSorted(std::string& out, const nlohmann::ordered_json& v) {
  if (v.is_object() && !v.empty()) {
    const auto& members = v.get_ref<const nlohmann::ordered_json::object_t&>();
    std::vector<const Member*> sorted;
    sorted.reserve(members.size());
    for (const Member& m : members) sorted.push_back(&m);
    auto by_key = [](const Member* a, const Member* b) { return a->first < b->first; };
    // Maps a build keeps in order (Labels) are not sorted again at every step.
    if (!std::is_sorted(sorted.begin(), sorted.end(), by_key)) std::sort(sorted.begin(), sorted.end(), by_key);
    out += '{';
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i > 0) out += ',';
      AppendString(out, sorted[i]->first, /*escape_html=*/true);
      out += ':';
      AppendSorted(out, sorted[i]->second);
    }
    out += '}';
  } else if (v.is_array() && !v.empty()) {
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ',';
      first = false;
      AppendSorted(out, e);
    }
    out += ']';
  } else {
    Append(out, v, GoJsonStyle{}, 0);
  }
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

std::string GoJsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendString(out, s, /*escape_html=*/true);
  return out;
}

void AppendGoJsonQuoted(std::string& out, std::string_view s) { AppendString(out, s, /*escape_html=*/true); }

void AppendGoJson(std::string& out, const nlohmann::ordered_json& value, bool go_map_keys) {
  if (go_map_keys) {
    AppendSorted(out, value);
  } else {
    Append(out, value, GoJsonStyle{}, 0);
  }
}

std::string GoJson(const nlohmann::ordered_json& value, GoJsonStyle style) {
  std::string out;
  Append(out, value, style, 0);
  return out;
}

}  // namespace ubuild::store
