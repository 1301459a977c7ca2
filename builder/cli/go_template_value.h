#pragma once
// A value inside a template: a JSON value plus what Go type docker's CLI
// holds it in, because Go prints the same JSON differently by type: a nil
// []string prints "[]", a nil map "map[]", a nil pointer "<nil>", a
// time.Time "2024-04-12 11:39:39 +0000 UTC", and a map key that is not
// there "<no value>".
#include <string>

#include <nlohmann/json.hpp>

namespace ubuild::cli::go_template {

using Json = nlohmann::ordered_json;

// Type hints, a JSON tree beside the data: "map", "set" (a map of empty
// structs, whose values print "{}"), "slice", "time", "string", "bool" or
// "int" for a field, an object of field name -> hint for a struct
// (a field the JSON omits takes its type's zero value), "[]" -> the hint of
// a slice's elements, "context" for a listing's row (docker's formatter
// contexts, whose {{json .}} escapes HTML). No hint: JSON as Go decodes it.
struct Value {
  Json data;
  Json hint;
  bool missing = false;  // a map had no such key

  static Value Missing() { return Value{nullptr, nullptr, true}; }
  // "map", or "set" (docker's map[string]struct{}: ExposedPorts, Volumes).
  bool IsMap() const { return hint == "map" || hint == "set"; }
  Value Element(Json element) const;      // one element of this slice or map
  Value Field(const std::string& name, Json field) const;
};

// fmt's %v, as {{.X}} prints a value.
std::string GoPrint(const Value& v);
// text/template's truth: false, 0, nil, "" and empty collections are false.
bool IsTrue(const Value& v);
// The Go type name of a value, for error messages ("string", "[]interface {}").
std::string GoTypeName(const Value& v);
// strconv.FormatFloat(f, 'g', -1, 64), as %v prints a float64.
std::string GoFloat(double d);

}  // namespace ubuild::cli::go_template
