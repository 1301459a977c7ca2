#pragma once
// A pending layer's directory is flock'd by the process making it, so the
// leftover sweep at Store::Open can tell a crashed command's pending dir
// (no lock holder) from a live one in another process or Store object.
#include <filesystem>
#include <string>

namespace ubuild::store {

void LockPendingDir(const std::string& cache_id, const std::filesystem::path& dir);
void UnlockPendingDir(const std::string& cache_id);
// True when some open file description holds the directory's lock.
bool PendingDirInUse(const std::filesystem::path& dir);

}  // namespace ubuild::store
