#pragma once
// JSON text as Go's encoding/json writes it (Docker's daemon and CLI):
// '<', '>', '&', U+2028 and U+2029 inside strings escaped as \u003c etc.
#include <string>

#include <nlohmann/json.hpp>

namespace ubuild::cli {

// indent < 0: compact; otherwise MarshalIndent with that many spaces.
std::string GoJsonDump(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace ubuild::cli
