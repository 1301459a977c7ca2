#pragma once
// Where a writing command's temporary files go: directories inside its
// session dir (ROOT/sessions/<id>/, store_session.h). The session is flock'd
// by its process while it lives, so however the process dies, the next
// command's sweep (recovery.h) removes its scratch with the dead session,
// and a clean end removes it with the session. Being on the store's
// filesystem, scratch files can be renamed into the store.
//
// A unix socket's path must fit sun_path (107 bytes): a directory for
// sockets goes to $TMPDIR instead when the session's path is too long for
// that, the one case where a SIGKILL'd command can leave a dir in /tmp.
#include <filesystem>
#include <string>
#include <string_view>

namespace ubuild::store {

// Makes <session_dir>/<prefix>-XXXXXX (mode 0700) and returns it; the caller
// removes it when done. Throws ubuild::Error when `session_dir` is empty (a
// reader has no session) or the directory cannot be made.
std::filesystem::path MakeScratchDir(const std::filesystem::path& session_dir, std::string_view prefix);

// A mkdtemp template for a directory of unix sockets named by at most
// `kSocketNameMax` bytes: <session_dir>/<prefix>-XXXXXX when that fits
// sun_path, else $TMPDIR/ubuild-<prefix>-XXXXXX.
inline constexpr size_t kSocketNameMax = 16;
std::string SocketScratchTemplate(const std::filesystem::path& session_dir, std::string_view prefix);

// Helper processes a session starts (an ssh agent, git fetching into its
// scratch) name a path in its scratch on their command line or work in it
// (the ssh agent works in the session dir from before its exec on),
// and do not die with their builder (ssh-agent is setgid on Debian, which
// clears a parent-death signal at its exec; git's children are git's).
// Kills (SIGKILL) every process with a command-line argument or its working
// directory inside `session_dir`, and waits (at most 2 s) until they are
// gone: the sweep's end of a dead session's helpers, before it removes
// what they would go on writing to.
void KillSessionHelpers(const std::filesystem::path& session_dir);

}  // namespace ubuild::store
