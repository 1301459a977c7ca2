#include "store/default_root.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "store/base/error.h"

namespace ubuild::store {

namespace {

bool Set(const char* value) { return value != nullptr && *value != '\0'; }

}  // namespace

std::filesystem::path DefaultRoot() {
  if (const char* env = std::getenv("UBUILD_ROOT"); Set(env)) return env;
  if (::geteuid() == 0) return "/var/lib/ubuild";
  // The XDG base directory spec ignores a relative $XDG_DATA_HOME.
  if (const char* data = std::getenv("XDG_DATA_HOME"); Set(data) && data[0] == '/') {
    return std::filesystem::path(data) / "ubuild";
  }
  const char* home = std::getenv("HOME");
  if (!Set(home)) {
    const struct passwd* pw = ::getpwuid(::geteuid());
    if (pw == nullptr || !Set(pw->pw_dir)) {
      throw Error("no store root: HOME is not set; name one with --root or UBUILD_ROOT");
    }
    home = pw->pw_dir;
  }
  return std::filesystem::path(home) / ".local" / "share" / "ubuild";
}

}  // namespace ubuild::store
