#include "builder/cli/go_json.h"

namespace ubuild::cli {

std::string GoJsonDump(const nlohmann::ordered_json& value, int indent) {
  std::string raw = value.dump(indent);
  std::string out;
  out.reserve(raw.size());
  // These characters can only occur inside strings, so a plain scan is exact.
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < raw.size() && raw[i + 1] == '\x80' && (raw[i + 2] == '\xA8' || raw[i + 2] == '\xA9')) {
      out += raw[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace ubuild::cli
