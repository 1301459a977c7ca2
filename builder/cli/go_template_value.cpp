#include "builder/cli/go_template_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace ubuild::cli::go_template {

namespace {

bool HintIs(const Json& hint, const char* name) {
  return hint.is_string() && hint.get_ref<const std::string&>() == name;
}

// time.Time's String(): "2006-01-02 15:04:05.999999999 -0700 MST" of an
// RFC 3339 text as docker's JSON carries it; other text is left as it is.
std::string GoTimeString(const std::string& rfc3339) {
  if (rfc3339.size() < 20 || rfc3339[10] != 'T') return rfc3339;
  std::string out = rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 8);
  size_t i = 19;
  if (i < rfc3339.size() && rfc3339[i] == '.') {
    size_t end = i + 1;
    while (end < rfc3339.size() && std::isdigit(static_cast<unsigned char>(rfc3339[end]))) ++end;
    std::string frac = rfc3339.substr(i + 1, end - i - 1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) out += "." + frac;
    i = end;
  }
  std::string zone = rfc3339.substr(i);
  if (zone == "Z") return out + " +0000 UTC";
  if (zone.size() == 6 && zone[3] == ':') {
    std::string offset = zone.substr(0, 3) + zone.substr(4);
    return out + " " + offset + " " + offset;
  }
  return rfc3339;
}

}  // namespace

Value Value::Element(Json element) const {
  Json h = hint.is_object() && hint.contains("[]") ? hint["[]"] : hint == "set" ? Json("struct{}") : Json(nullptr);
  return Value{std::move(element), std::move(h), false};
}

Value Value::Field(const std::string& name, Json field) const {
  Json h = hint.is_object() && hint.contains(name) ? hint[name] : Json(nullptr);
  return Value{std::move(field), std::move(h), false};
}

std::string GoFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char sci[64];
  auto r = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  std::string s(sci, r.ptr);
  const int exp = std::stoi(s.substr(s.find('e') + 1));
  if (exp < -4 || exp >= 6) return s;  // shortest: Go's %g switches to %e at precision 6
  char fixed[64];
  r = std::to_chars(fixed, fixed + sizeof fixed, d, std::chars_format::fixed);
  return std::string(fixed, r.ptr);
}

std::string GoPrint(const Value& v) {
  if (v.missing) return "<no value>";
  const Json& d = v.data;
  switch (d.type()) {
    case Json::value_t::null:
      if (v.IsMap()) return "map[]";
      if (HintIs(v.hint, "slice")) return "[]";
      return "<nil>";
    case Json::value_t::string:
      return HintIs(v.hint, "time") ? GoTimeString(d.get<std::string>()) : d.get<std::string>();
    case Json::value_t::boolean: return d.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer: return std::to_string(d.get<int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(d.get<uint64_t>());
    case Json::value_t::number_float: return GoFloat(d.get<double>());
    case Json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < d.size(); ++i) {
        if (i) out += ' ';
        out += GoPrint(v.Element(d[i]));
      }
      return out + "]";
    }
    case Json::value_t::object: {
      if (HintIs(v.hint, "struct{}")) return "{}";
      // fmt prints a map's keys sorted.
      std::vector<std::string> keys;
      for (const auto& [k, _] : d.items()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
      std::string out = "map[";
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i) out += ' ';
        const bool field = v.hint.is_object() && v.hint.contains(keys[i]);  // a struct's, printed as a map
        out += keys[i] + ":" + GoPrint(field ? v.Field(keys[i], d[keys[i]]) : v.Element(d[keys[i]]));
      }
      return out + "]";
    }
    default: return d.dump();
  }
}

bool IsTrue(const Value& v) {
  if (v.missing) return false;
  const Json& d = v.data;
  switch (d.type()) {
    case Json::value_t::null: return false;
    case Json::value_t::boolean: return d.get<bool>();
    case Json::value_t::number_integer: return d.get<int64_t>() != 0;
    case Json::value_t::number_unsigned: return d.get<uint64_t>() != 0;
    case Json::value_t::number_float: return d.get<double>() != 0;
    case Json::value_t::string: return !d.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object: return !d.empty();
    default: return true;
  }
}

std::string GoTypeName(const Value& v) {
  if (v.missing) return "<no value>";
  switch (v.data.type()) {
    case Json::value_t::null: return HintIs(v.hint, "map") ? "map[string]string" : HintIs(v.hint, "slice") ? "[]string" : "<nil>";
    case Json::value_t::string: return HintIs(v.hint, "time") ? "time.Time" : "string";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "int64";
    case Json::value_t::number_float: return "float64";
    case Json::value_t::array: return "[]interface {}";
    case Json::value_t::object: return v.IsMap() ? "map[string]interface {}" : "struct";
    default: return "interface {}";
  }
}

}  // namespace ubuild::cli::go_template
