#pragma once
// Overlay mounts a killed builder left behind under ROOT/overlay2. A build
// made by this ubuild mounts in a private mount namespace, so the kernel drops
// its mounts when it dies; builders before that mounted in the host's
// namespace, and a kill left the mount there. While it stays, the pending
// dir under it cannot be removed (EBUSY) and removing it would delete through
// the live overlay, so recovery detaches such mounts before it sweeps.
// REQUIRES: the caller holds ROOT/lock exclusively.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ubuild::store {

// Detaches (MNT_DETACH) every mount in this process's mount table that lies
// inside ROOT/overlay2/<cache-id>/, unless a live process holds that cache
// dir's pending lock. ROOT itself and ROOT/overlay2 may be mount points the
// administrator made (a store on its own disk); those are left alone.
void DetachLeftoverMounts(const std::filesystem::path& root);

// The mount points listed in a /proc/PID/mountinfo text, in table order,
// with the kernel's octal escapes (\040 for a space ...) decoded.
std::vector<std::string> MountPointsOf(std::string_view mountinfo);

}  // namespace ubuild::store
