#include "store/overlay_xattrs.h"

#include <fstream>

namespace ubuild::store {

bool InChildUserNamespace() {
  static const bool inside = [] {
    // The host's namespace maps every id to itself: "0 0 4294967295".
    std::ifstream in("/proc/self/uid_map");
    unsigned long first = 0, host = 0, count = 0;
    if (!(in >> first >> host >> count)) return false;
    return !(first == 0 && host == 0 && count == 4294967295UL);
  }();
  return inside;
}

const char* OverlayOpaqueXattr() {
  return InChildUserNamespace() ? "user.overlay.opaque" : "trusted.overlay.opaque";
}

bool IsOverlayXattr(std::string_view key) {
  if (key.starts_with("trusted.overlay.")) return true;
  // Only where a user namespace's overlay wrote them: as root they stay
  // file attributes, as they always were.
  return InChildUserNamespace() && (key.starts_with("user.overlay.") || key.starts_with("user.fuseoverlayfs."));
}

}  // namespace ubuild::store
