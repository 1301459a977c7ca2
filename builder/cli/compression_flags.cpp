#include "builder/cli/compression_flags.h"

#include <string>

#include "builder/cli/commands.h"

namespace ubuild::cli {

namespace {

std::optional<int> CompressionLevel(const ParsedArgs& p) {
  if (!p.Has("compression-level")) return std::nullopt;
  const std::string& v = p.values.at("compression-level");
  size_t used = 0;
  int level = -1;
  try {
    level = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v.size()) throw UsageError("--compression-level takes a number, not '" + v + "'");
  return level;
}

}  // namespace

std::optional<store::registry::LayerCompression> CompressionFromFlags(const ParsedArgs& p,
                                                                      std::string_view default_name) {
  if (!p.Has("compression") && !p.Has("compression-level")) return std::nullopt;
  return store::registry::LayerCompression::Parse(p.Has("compression") ? p.values.at("compression") : default_name,
                                                  CompressionLevel(p));
}

}  // namespace ubuild::cli
