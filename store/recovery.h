#pragma once
// The sweep Store::Open runs after a writer died mid-command: detaches the
// overlay mounts it left (store/leftover_mounts.h), removes staging dirs,
// temp files and pending layer dirs nobody holds, restores the `committed`
// marker of a layer that was registered just before the crash, and removes
// the sessions of dead processes.
// Safe while other writers run: what they hold is skipped.
// REQUIRES: the caller holds ROOT/lock exclusively.
#include <filesystem>

namespace ubuild::store {

void RemoveLeftovers(const std::filesystem::path& root);

}  // namespace ubuild::store
