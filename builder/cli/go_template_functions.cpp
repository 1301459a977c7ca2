#include "builder/cli/go_template_functions.h"

#include <climits>
#include <cstdint>
#include <map>

#include "store/base/error.h"
#include "store/go_json.h"

namespace ubuild::cli::go_template {

namespace {

[[noreturn]] void WrongType(const Value& v, const std::string& want) {
  throw Error("wrong type for value; expected " + want + "; got " + GoTypeName(v));
}

const std::string& Str(const Value& v) {
  if (v.missing || !v.data.is_string()) WrongType(v, "string");
  return v.data.get_ref<const std::string&>();
}

int64_t Int(const Value& v) {
  if (v.missing || !v.data.is_number_integer()) WrongType(v, "int");
  return v.data.get<int64_t>();
}

Value Text(std::string s) { return Value{Json(std::move(s)), nullptr, false}; }
Value Bool(bool b) { return Value{Json(b), nullptr, false}; }

Value JsonOf(const std::vector<Value>& a) {
  // docker's json: an encoder without HTML escaping, its newline trimmed;
  // but a listing's row (hint "context") marshals itself with json.Marshal,
  // which escapes <, > and &.
  if (a[0].missing) return Text("null");
  const bool context = a[0].hint == "context";
  return Text(store::GoJson(a[0].data, {.indent = -1, .escape_html = context}));
}

Value Split(const std::vector<Value>& a) {
  const std::string& s = Str(a[0]);
  const std::string& sep = Str(a[1]);
  Json parts = Json::array();
  if (sep.empty()) {
    // strings.Split with "" cuts after each UTF-8 sequence.
    for (size_t i = 0; i < s.size();) {
      size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      parts.push_back(s.substr(i, n));
      i += n;
    }
  } else {
    size_t from = 0;
    for (size_t at; (at = s.find(sep, from)) != std::string::npos; from = at + sep.size()) {
      parts.push_back(s.substr(from, at - from));
    }
    parts.push_back(s.substr(from));
  }
  return Value{std::move(parts), "slice", false};
}

Value Join(const std::vector<Value>& a) {
  const std::string& sep = Str(a[1]);
  const Value& list = a[0];
  if (list.data.is_null() && list.hint == "slice") return Text("");
  if (list.missing || !list.data.is_array()) WrongType(list, "[]string");
  std::string out;
  for (size_t i = 0; i < list.data.size(); ++i) {
    if (!list.data[i].is_string()) WrongType(list, "[]string");
    if (i) out += sep;
    out += list.data[i].get<std::string>();
  }
  return Text(out);
}

Value Title(const std::vector<Value>& a) {
  // strings.Title: the first letter after a separator (anything but a
  // letter, digit or '_') is upper-cased.
  std::string s = Str(a[0]);
  bool after_separator = true;
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (after_separator && u < 0x80) c = static_cast<char>(std::toupper(u));
    after_separator = u < 0x80 && !std::isalnum(u) && c != '_';
  }
  return Text(s);
}

Value Lower(const std::vector<Value>& a) {
  std::string s = Str(a[0]);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Text(s);
}

Value Upper(const std::vector<Value>& a) {
  std::string s = Str(a[0]);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Text(s);
}

Value Pad(const std::vector<Value>& a) {
  const std::string& s = Str(a[0]);
  if (s.empty()) return Text(s);
  return Text(std::string(std::max<int64_t>(0, Int(a[1])), ' ') + s + std::string(std::max<int64_t>(0, Int(a[2])), ' '));
}

Value Truncate(const std::vector<Value>& a) {
  const std::string& s = Str(a[0]);
  const int64_t n = Int(a[1]);
  if (n < 0 || static_cast<uint64_t>(n) > s.size()) return Text(s);
  return Text(s.substr(0, n));
}

Value And(const std::vector<Value>& a) {
  for (const Value& v : a) {
    if (!IsTrue(v)) return v;
  }
  return a.back();
}

Value Or(const std::vector<Value>& a) {
  for (const Value& v : a) {
    if (IsTrue(v)) return v;
  }
  return a.back();
}

Value Not(const std::vector<Value>& a) { return Bool(!IsTrue(a[0])); }

Value Len(const std::vector<Value>& a) {
  const Json& d = a[0].data;
  if (a[0].missing) throw Error("len of nil pointer");
  if (d.is_string()) return Value{Json(static_cast<int64_t>(d.get_ref<const std::string&>().size())), nullptr, false};
  if (d.is_array() || d.is_object()) return Value{Json(static_cast<int64_t>(d.size())), nullptr, false};
  if (d.is_null() && (a[0].hint == "map" || a[0].hint == "slice")) return Value{Json(0), nullptr, false};
  throw Error("len of type " + GoTypeName(a[0]));
}

Value Index(const std::vector<Value>& a) {
  Value item = a[0];
  for (size_t i = 1; i < a.size(); ++i) {
    if (item.data.is_array() || (item.data.is_null() && item.hint == "slice")) {
      const int64_t n = Int(a[i]);
      if (n < 0 || static_cast<uint64_t>(n) >= item.data.size()) throw Error("index out of range: " + std::to_string(n));
      item = item.Element(item.data[n]);
    } else if (item.data.is_object() || (item.data.is_null() && item.IsMap())) {
      const std::string& key = Str(a[i]);
      if (item.data.is_object() && item.data.contains(key)) {
        item = item.Element(item.data[key]);
      } else {
        // The element type's zero value: "" in docker's map[string]string.
        item = item.IsMap() ? Text("") : Value{nullptr, nullptr, false};
      }
    } else if (item.missing || item.data.is_null()) {
      throw Error("index of untyped nil");
    } else {
      throw Error("can't index item of type " + GoTypeName(item));
    }
  }
  return item;
}

// fmt.Sprint's spacing: a space between operands when neither is a string.
Value Print(const std::vector<Value>& a) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && !a[i].data.is_string() && !a[i - 1].data.is_string()) out += ' ';
    out += GoPrint(a[i]);
  }
  return Text(out);
}

Value Println(const std::vector<Value>& a) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += ' ';
    out += GoPrint(a[i]);
  }
  return Text(out + "\n");
}

// fmt.Sprintf for the verbs format strings use: %s %v %d %q %t %%, with
// an optional '-' flag and width.
Value Printf(const std::vector<Value>& a) {
  const std::string& f = Str(a[0]);
  std::string out;
  size_t arg = 1;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) {
      out += "%!(NOVERB)";
      break;
    }
    bool left = false;
    if (f[i] == '-') {
      left = true;
      ++i;
    }
    size_t width = 0;
    while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) width = width * 10 + (f[i++] - '0');
    if (i >= f.size()) throw Error("printf: format ends inside a verb");
    const char verb = f[i];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= a.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Value& v = a[arg++];
    std::string text;
    switch (verb) {
      case 's':
      case 'v':
      case 'd':
      case 't': text = GoPrint(v); break;
      case 'q': text = store::GoJsonQuote(GoPrint(v)); break;
      default: throw Error(std::string("printf: verb %") + verb + " is not supported by ubuild's templates");
    }
    size_t runes = 0;
    for (unsigned char c : text) runes += (c & 0xC0) != 0x80;
    std::string pad(width > runes ? width - runes : 0, ' ');
    out += left ? text + pad : pad + text;
  }
  return Text(out);
}

// eq/ne/lt/…: basic values only, numbers compared as numbers.
int Compare(const Value& x, const Value& y, bool ordered) {
  const Json &a = x.data, &b = y.data;
  if (x.missing || y.missing) throw Error("invalid type for comparison");
  if (a.is_number() && b.is_number()) {
    if (a.is_number_integer() && b.is_number_integer()) {
      int64_t p = a.get<int64_t>(), q = b.get<int64_t>();
      return p < q ? -1 : p > q;
    }
    double p = a.get<double>(), q = b.get<double>();
    return p < q ? -1 : p > q;
  }
  if (a.is_string() && b.is_string()) return a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
  if (!ordered && a.is_boolean() && b.is_boolean()) return a.get<bool>() != b.get<bool>();
  if (!ordered && a.is_null() && b.is_null()) return 0;
  if (a.type() != b.type()) throw Error("incompatible types for comparison");
  throw Error(ordered ? "invalid type for comparison" : "non-comparable type " + GoTypeName(x));
}

Value Eq(const std::vector<Value>& a) {
  for (size_t i = 1; i < a.size(); ++i) {
    if (Compare(a[0], a[i], false) == 0) return Bool(true);
  }
  return Bool(false);
}
Value Ne(const std::vector<Value>& a) { return Bool(Compare(a[0], a[1], false) != 0); }
Value Lt(const std::vector<Value>& a) { return Bool(Compare(a[0], a[1], true) < 0); }
Value Le(const std::vector<Value>& a) { return Bool(Compare(a[0], a[1], true) <= 0); }
Value Gt(const std::vector<Value>& a) { return Bool(Compare(a[0], a[1], true) > 0); }
Value Ge(const std::vector<Value>& a) { return Bool(Compare(a[0], a[1], true) >= 0); }

constexpr size_t kMany = SIZE_MAX;

const std::map<std::string, Function>& Table() {
  static const std::map<std::string, Function> table = {
      {"json", {JsonOf, 1, 1, true}},     {"split", {Split, 2, 2, true}},  {"join", {Join, 2, 2, true}},
      {"title", {Title, 1, 1, true}},     {"lower", {Lower, 1, 1, true}},  {"upper", {Upper, 1, 1, true}},
      {"pad", {Pad, 3, 3, true}},         {"truncate", {Truncate, 2, 2, true}},
      {"and", {And, 1, kMany}},           {"or", {Or, 1, kMany}},          {"not", {Not, 1, 1}},
      {"len", {Len, 1, 1}},               {"index", {Index, 1, kMany}},    {"print", {Print, 0, kMany}},
      {"printf", {Printf, 1, kMany}},     {"println", {Println, 0, kMany}}, {"eq", {Eq, 2, kMany}},
      {"ne", {Ne, 2, 2}},                 {"lt", {Lt, 2, 2}},              {"le", {Le, 2, 2}},
      {"gt", {Gt, 2, 2}},                 {"ge", {Ge, 2, 2}},
  };
  return table;
}

}  // namespace

const Function* FindFunction(const std::string& name) {
  const auto& table = Table();
  if (auto it = table.find(name); it != table.end()) return &it->second;
  for (const char* go : {"slice", "html", "js", "urlquery", "call"}) {
    if (name == go) throw Error("function \"" + name + "\" is not supported by ubuild's templates (README: Output formats)");
  }
  return nullptr;
}

Value CallFunction(const std::string& name, const Function& f, const std::vector<Value>& args, bool header) {
  if (args.size() < f.min_args || args.size() > f.max_args) {
    throw Error("wrong number of args for " + name + ": want " +
                (f.min_args == f.max_args ? std::to_string(f.min_args) : "at least " + std::to_string(f.min_args)) +
                " got " + std::to_string(args.size()));
  }
  if (header && f.docker) return args[0];
  try {
    return f.call(args);
  } catch (const Error& e) {
    throw Error("error calling " + name + ": " + e.what());
  }
}

}  // namespace ubuild::cli::go_template
