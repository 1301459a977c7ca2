#include "store/container_config.h"

#include "store/go_json.h"

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

void AppendStoredContainerConfig(std::string& out, const Json& in) {
  out += '{';
  bool first = true;
  auto member = [&](const std::string& name, const Json& v, bool go_map) {
    if (!first) out += ',';
    first = false;
    AppendGoJsonQuoted(out, name);
    out += ':';
    AppendGoJson(out, v, go_map);
  };
  for (const Field& f : kFields) {
    auto it = in.is_object() ? in.find(f.name) : in.end();
    if (in.is_object() && it != in.end()) {
      if (!Omitted(f, *it)) member(f.name, *it, f.kind == Kind::kGoMap);
    } else {
      Json zero = f.zero();
      if (!Omitted(f, zero)) member(f.name, zero, false);
    }
  }
  if (in.is_object()) {
    for (auto it = in.begin(); it != in.end(); ++it) {
      if (!IsModelled(it.key())) member(it.key(), it.value(), false);
    }
  }
  out += '}';
}

void SetGoMapMember(Json& map, const std::string& key, Json value) {
  Json::object_t& members = map.get_ref<Json::object_t&>();
  auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(members.begin(), members.end(), by_key)) {
    map[key] = std::move(value);
    return;
  }
  auto pos = std::lower_bound(members.begin(), members.end(), key,
                              [](const auto& m, const std::string& k) { return m.first < k; });
  if (pos != members.end() && pos->first == key) {
    pos->second = std::move(value);
  } else if (pos == members.end()) {
    members.Container::emplace_back(key, std::move(value));
  } else {
    // The members' keys are const, so the vector cannot shift them: rebuilt
    // around the new member, moving the values.
    Json::object_t rebuilt;
    rebuilt.reserve(members.size() + 1);
    for (auto it = members.begin(); it != members.end(); ++it) {
      if (it == pos) rebuilt.Container::emplace_back(key, std::move(value));
      rebuilt.Container::emplace_back(it->first, std::move(it->second));
    }
    members = std::move(rebuilt);
  }
}

Json InspectedContainerConfig(const Json& in) {
  Json out = ModelledFields(in);
  for (auto& [key, value] : out.items()) value = SortedKeys(value);
  return out;
}

}  // namespace ubuild::store
