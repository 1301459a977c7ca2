#include "store/default_root.h"

#include <cstdlib>

namespace ubuild::store {

std::filesystem::path DefaultRoot() {
  if (const char* env = std::getenv("UBUILD_ROOT"); env != nullptr && *env != '\0') return env;
  return "/var/lib/ubuild";
}

}  // namespace ubuild::store
