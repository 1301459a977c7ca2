#pragma once
// Go's time.ParseDuration, which HEALTHCHECK's --interval/--timeout/... use:
// a signed sequence of decimal numbers with units, "300ms", "1m30s",
// "1.5h"; units ns, us (or µs), ms, s, m, h; a bare "0" is allowed.
#include <cstdint>
#include <string_view>

namespace ubuild::parser {

// Nanoseconds. Throws ubuild::Error `time: invalid duration "x"` (or the
// missing/unknown unit variants) like Go does.
int64_t ParseDuration(std::string_view text);

}  // namespace ubuild::parser
