#pragma once
// Rootless ubuild: an ordinary user's ubuild moves itself into a user
// namespace where the user's own id is 0, as rootless podman and buildah do
// (they re-exec for it; ubuild, single-threaded at that point, unshares in
// place).
// Inside, the store's files belong to the ids the image names (0:0, 1000:1000),
// which on the host are the user's subordinate ids from /etc/subuid and
// /etc/subgid, mapped by the setuid helpers newuidmap/newgidmap (Debian's
// `uidmap`). Layers then record the ids as the image sees them, so a rootless
// build gives the same bytes as a root build.
//
// Without subordinate ranges only the user's own id can be mapped (as 0):
// images whose files all belong to root still work; any other owner fails,
// and the error names the lines that /etc/subuid and /etc/subgid need.
#include <string>

namespace ubuild::builder {

// How this process's ids are mapped.
enum class UserNamespaceMode {
  kHost,       // real root, or no namespace of ubuild's: ids are the host's
  kSubordinate,  // own id as 0, plus the subordinate ranges
  kSingleId,   // own id as 0, nothing else
};

// For a non-root caller: enters a new user namespace with the ids mapped,
// and returns as its root with every capability there. For root (including
// root inside a namespace made elsewhere) does nothing. Must run before any
// thread starts (unshare(CLONE_NEWUSER) refuses a threaded process). Throws ubuild::Error when the namespace
// cannot be made (no newuidmap, user namespaces disabled, helper failed).
void EnterUserNamespace();

// How this process's ids are mapped (read from /proc/self/uid_map).
UserNamespaceMode CurrentUserNamespaceMode();

// For an error met in single-id mode: what was lost and the exact lines to
// add to /etc/subuid and /etc/subgid. Empty in the other modes.
std::string SingleIdHint();

}  // namespace ubuild::builder
