#pragma once
// What one layer changes, read from its diff directory (overlay upperdir
// format) against the layers below it: A (added), M (existed below),
// D (whiteout: deleted), and "D path/*" for an opaque directory (everything
// below it hidden). Paths are shown absolute, as `docker diff` shows them.
#include <filesystem>
#include <string>
#include <vector>

namespace ubuild::store {

struct LayerChange {
  char kind;         // 'A', 'M' or 'D'
  std::string path;  // "/etc/passwd", or "/etc/*" for an opaque dir
};

// `lower` holds the diff dirs of the layers below, nearest first.
std::vector<LayerChange> ListLayerChanges(const std::filesystem::path& diff_dir,
                                          const std::vector<std::filesystem::path>& lower);

}  // namespace ubuild::store
