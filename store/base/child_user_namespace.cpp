#include "store/base/child_user_namespace.h"

#include <fstream>

namespace ubuild {

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

}  // namespace ubuild
