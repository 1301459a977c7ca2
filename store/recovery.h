#pragma once
// The sweep Store::Open runs after a writer died mid-command: detaches the
// overlay mounts it left (store/leftover_mounts.h), removes staging dirs,
// temp files and layer dirs nobody holds and no layerdb entry names,
// finishes a layer or image removal (layers or untagged images whose
// parent went), restores the
// `committed` marker of a layer that was registered just before the crash,
// and removes
// the sessions of dead processes, with their scratch, after killing the
// helpers they left running (session_scratch.h).
// Safe while other writers run: what they hold is skipped.
// REQUIRES: the caller holds ROOT/lock exclusively.
#include <filesystem>

namespace ubuild::store {

void RemoveLeftovers(const std::filesystem::path& root);

}  // namespace ubuild::store
