#include "store/container_config.h"

#include <algorithm>
#include <string>
#include <vector>

namespace ubuild::store {

namespace {

enum class Omit {
  kNever,   // always written, at its zero value when unset
  kEmpty,   // omitempty on a value: left out when null, false, 0, "" or empty
  kNull,    // omitempty on a Go pointer: left out only when null
};

enum class Kind {
  kValue,
  kGoMap,  // a Go map: encoding/json writes its keys sorted by their bytes
};

struct Field {
  const char* name;
  Omit omit;
  Json (*zero)();  // the zero value of a kNever field
  Kind kind = Kind::kValue;
};

Json Null() { return nullptr; }
Json EmptyString() { return ""; }
Json False() { return false; }

constexpr Field kFields[] = {
    {"Hostname",        Omit::kNever, EmptyString},
    {"Domainname",      Omit::kNever, EmptyString},
    {"User",            Omit::kNever, EmptyString},
    {"AttachStdin",     Omit::kNever, False},
    {"AttachStdout",    Omit::kNever, False},
    {"AttachStderr",    Omit::kNever, False},
    {"ExposedPorts",    Omit::kEmpty, Null, Kind::kGoMap},
    {"Tty",             Omit::kNever, False},
    {"OpenStdin",       Omit::kNever, False},
    {"StdinOnce",       Omit::kNever, False},
    {"Env",             Omit::kNever, Null},
    {"Cmd",             Omit::kNever, Null},
    {"Healthcheck",     Omit::kNull,  Null},
    {"ArgsEscaped",     Omit::kEmpty, Null},
    {"Image",           Omit::kNever, EmptyString},
    {"Volumes",         Omit::kNever, Null, Kind::kGoMap},
    {"WorkingDir",      Omit::kNever, EmptyString},
    {"Entrypoint",      Omit::kNever, Null},
    {"NetworkDisabled", Omit::kEmpty, Null},
    {"MacAddress",      Omit::kEmpty, Null},
    {"OnBuild",         Omit::kNever, Null},
    {"Labels",          Omit::kNever, Null, Kind::kGoMap},
    {"StopSignal",      Omit::kEmpty, Null},
    {"StopTimeout",     Omit::kNull,  Null},
    {"Shell",           Omit::kEmpty, Null},
};

bool IsModelled(const std::string& name) {
  for (const Field& f : kFields) {
    if (name == f.name) return true;
  }
  return false;
}

bool Omitted(const Field& f, const Json& v) {
  switch (f.omit) {
    case Omit::kNever:
      return false;
    case Omit::kNull:
      return v.is_null();
    case Omit::kEmpty:
      if (v.is_boolean()) return !v.get<bool>();
      if (v.is_string() || v.is_array() || v.is_object()) return v.empty();
      if (v.is_number()) return v.get<double>() == 0;
      return v.is_null();
  }
  return false;
}

// Keys of nested objects in byte order, as Go writes the maps (Labels,
// Volumes, ExposedPorts) whatever order the stored config has.
Json SortedKeys(const Json& v) {
  if (v.is_array()) {
    Json out = Json::array();
    for (const Json& e : v) out.push_back(SortedKeys(e));
    return out;
  }
  if (!v.is_object()) return v;
  // Sorts the members themselves and appends them to the underlying vector:
  // looking each key up again (ordered_map searches linearly) made a map of
  // n labels cost n^2 per config, and a build of n LABEL lines n^3.
  const Json::object_t& members = v.get_ref<const Json::object_t&>();
  std::vector<const Json::object_t::value_type*> sorted;
  sorted.reserve(members.size());
  for (const auto& member : members) sorted.push_back(&member);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  Json out = Json::object();
  Json::object_t& out_members = out.get_ref<Json::object_t&>();
  for (const auto* member : sorted) out_members.Container::emplace_back(member->first, SortedKeys(member->second));
  return out;
}

// The modelled fields of `in` in Go order.
Json ModelledFields(const Json& in) {
  Json out = Json::object();
  for (const Field& f : kFields) {
    auto it = in.is_object() ? in.find(f.name) : in.end();
    Json v = in.is_object() && it != in.end() ? *it : f.zero();
    if (f.kind == Kind::kGoMap) v = SortedKeys(v);
    if (!Omitted(f, v)) out[f.name] = std::move(v);
  }
  return out;
}

}  // namespace

Json StoredContainerConfig(const Json& in) {
  Json out = ModelledFields(in);
  if (!in.is_object()) return out;
  for (auto it = in.begin(); it != in.end(); ++it) {
    if (!IsModelled(it.key())) out[it.key()] = it.value();
  }
  return out;
}

Json InspectedContainerConfig(const Json& in) {
  Json out = ModelledFields(in);
  for (auto& [key, value] : out.items()) value = SortedKeys(value);
  return out;
}

}  // namespace ubuild::store
