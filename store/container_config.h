#pragma once
// Docker's container.Config — the "config" object of an image — in the one
// field order Docker writes it (Go struct order), with each field's zero
// value and omitempty rule. Every writer and reader of that object goes
// through this table.
#include <string>

#include <nlohmann/json.hpp>

namespace ubuild::store {

using Json = nlohmann::ordered_json;

// As an image config stores it: every field in Go order, unset ones at their
// zero value (null, "", false), omitempty ones only when set, the keys of the
// Go maps (Labels, Volumes, ExposedPorts) sorted as Go sorts them; fields a newer
// engine wrote that ubuild does not model keep their place at the end.
// A non-object gives the config of FROM scratch.
Json StoredContainerConfig(const Json& in);

// GoJson(StoredContainerConfig(in)) appended to `out`, written straight from
// `in` without building that copy: every step of a build writes its whole
// config, and a config of n labels would otherwise be copied and sorted n times.
void AppendStoredContainerConfig(std::string& out, const Json& in);

// map[key] = value on a Go map (Labels), keeping its keys in Go's order when
// they were, so writing the config needs no sort. `map` must be an object.
void SetGoMapMember(Json& map, const std::string& key, Json value);

// As `docker image inspect` shows it: the modelled fields only, in Go order,
// keys of the objects inside sorted (Docker marshals Labels, Volumes and
// ExposedPorts as Go maps; Healthcheck is a struct, whose field order Docker
// keeps and this does not).
// `in` is a stored config (StoredContainerConfig); a non-object gives all zeros.
Json InspectedContainerConfig(const Json& in);

}  // namespace ubuild::store
