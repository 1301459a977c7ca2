#pragma once
// Docker's container.Config — the "config" object of an image — in the one
// field order Docker writes it (Go struct order), with each field's zero
// value and omitempty rule. Every writer and reader of that object goes
// through this table.
#include <nlohmann/json.hpp>

namespace ubuild::store {

using Json = nlohmann::ordered_json;

// As an image config stores it: every field in Go order, unset ones at their
// zero value (null, "", false), omitempty ones only when set, the keys of the
// Go maps (Labels, Volumes, ExposedPorts) sorted as Go sorts them; fields a newer
// engine wrote that ubuild does not model keep their place at the end.
// A non-object gives the config of FROM scratch.
Json StoredContainerConfig(const Json& in);

// As `docker image inspect` shows it: the modelled fields only, in Go order,
// keys of the objects inside sorted (Docker marshals Labels, Volumes and
// ExposedPorts as Go maps; Healthcheck is a struct, whose field order Docker
// keeps and this does not).
// `in` is a stored config (StoredContainerConfig); a non-object gives all zeros.
Json InspectedContainerConfig(const Json& in);

}  // namespace ubuild::store
