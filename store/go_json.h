#pragma once
// JSON text byte for byte as Go's encoding/json writes it, because the bytes
// of an image config are its id: Docker 20.10's daemon writes '<', '>', '&'
// as \u003c \u003e \u0026, U+2028/U+2029 and control characters other than
// \n \r \t as \uXXXX (\b and \f too), DEL and other non-ASCII as raw UTF-8, and
// each byte of invalid UTF-8 as U+FFFD. tests/store/testdata/docker-20.10/
// holds configs the daemon wrote; go_json_test.cpp pins this encoder to them.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ubuild::store {

struct GoJsonStyle {
  int indent = -1;          // < 0: compact (json.Marshal); else MarshalIndent with that many spaces
  bool escape_html = true;  // false: the engine's API replies (SetEscapeHTML(false)), as `docker inspect` prints
};

// Numbers keep nlohmann's form; configs hold only integers, where both agree.
std::string GoJson(const nlohmann::ordered_json& value, GoJsonStyle style = {});
// Compact, appended to `out`; with `go_map_keys` the members of every object
// inside come out sorted by their bytes, as Go writes a map, whatever order
// `value` holds them in (already sorted ones are not re-sorted).
void AppendGoJson(std::string& out, const nlohmann::ordered_json& value, bool go_map_keys);

// One string literal (with quotes) as json.Marshal writes it; tar-split
// files hold member names this way.
std::string GoJsonQuote(std::string_view s);
// The same, appended to `out`.
void AppendGoJsonQuoted(std::string& out, std::string_view s);

}  // namespace ubuild::store
