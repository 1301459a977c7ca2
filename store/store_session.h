#pragma once
// A writing process's claim on the store: ROOT/sessions/<id>/, flock'd by
// that process for as long as it runs. The kernel drops the flock when the
// process dies however it dies, so the directory tells the rest of the
// store apart: a session dir whose lock is free belongs to a dead process,
// and means the leftover sweep (recovery.h) has work to do.
//
// What a session keeps in its directory: `pins`, the digests (image ids and
// layer chain_ids) the session uses or has just made, which rmi and prune
// leave alone while it lives.
// REQUIRES for Begin: the caller holds ROOT/lock (shared or exclusive), so
// a sweep (exclusive) never sees the directory before its flock.
#include <filesystem>
#include <set>
#include <string>

#include "store/base/fd.h"
#include "store/digest.h"

namespace ubuild::store {

class StoreSession {
 public:
  static StoreSession Begin(const std::filesystem::path& root);
  StoreSession() = default;
  StoreSession(StoreSession&&) noexcept = default;
  StoreSession& operator=(StoreSession&&) noexcept = default;

  bool active() const { return dir_fd_.valid(); }
  const std::string& id() const { return id_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Appends `digest` to the pins (once). REQUIRES: ROOT/lock held, shared or
  // exclusive, since rmi and prune read pins under the exclusive lock.
  void Pin(const Digest& digest);
  // A clean end: the directory goes, then the flock (the fd closes).
  void End();

 private:
  std::string id_;
  std::filesystem::path dir_;
  Fd dir_fd_;     // holds the flock
  Fd pins_fd_;    // O_APPEND
  std::set<Digest> pinned_;
};

// True when the session directory's flock is held by a live process.
bool SessionIsLive(const std::filesystem::path& session_dir);
// Any session dir of a dead process? A hint read without ROOT/lock: a
// session being begun looks dead for an instant, so the sweep decides again
// under the exclusive lock.
bool AnyDeadSession(const std::filesystem::path& root);
// Removes the directories of dead sessions.
// REQUIRES: ROOT/lock held exclusively.
void RemoveDeadSessions(const std::filesystem::path& root);
// The pins of live sessions other than `except_id`.
// REQUIRES: ROOT/lock held (shared or exclusive).
std::set<Digest> LivePins(const std::filesystem::path& root, const std::string& except_id);

}  // namespace ubuild::store
