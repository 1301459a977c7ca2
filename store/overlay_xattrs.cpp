#include "store/overlay_xattrs.h"

#include "store/base/child_user_namespace.h"

namespace ubuild::store {

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
