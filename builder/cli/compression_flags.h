#pragma once
// --compression gzip|zstd|uncompressed and --compression-level N, the flags
// push and save share (BuildKit's names), read into one LayerCompression.
#include <optional>
#include <string_view>

#include "builder/cli/command_args.h"
#include "store/registry/layer_compression.h"

namespace ubuild::cli {

// nullopt when neither flag was given; a level alone applies to
// `default_name`, as BuildKit's compression-level does.
std::optional<store::registry::LayerCompression> CompressionFromFlags(const ParsedArgs& p,
                                                                      std::string_view default_name);

}  // namespace ubuild::cli
