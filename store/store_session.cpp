#include "store/store_session.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/random_name.h"

namespace ubuild::store {

namespace fs = std::filesystem;

namespace {

// Session ids: 16 hex digits, so nothing else that lands in sessions/ by
// mistake is taken for one.
constexpr size_t kSessionIdBytes = 8;

bool IsSessionId(const std::string& name) {
  if (name.size() != kSessionIdBytes * 2) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void WriteAll(int fd, const std::string& bytes, const fs::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw SysError("write", path.string(), errno);
    }
    done += static_cast<size_t>(n);
  }
}

// Calls fn(id, dir) for every session directory.
template <typename Fn>
void ForEachSession(const fs::path& root, Fn fn) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout::SessionsDir(root), ec)) {
    std::string name = entry.path().filename().string();
    if (IsSessionId(name)) fn(name, entry.path());
  }
}

}  // namespace

StoreSession StoreSession::Begin(const fs::path& root) {
  StoreSession s;
  for (;;) {
    s.id_ = RandomHex(kSessionIdBytes);
    s.dir_ = layout::SessionDir(root, s.id_);
    if (::mkdir(s.dir_.c_str(), 0700) == 0) break;
    if (errno != EEXIST) throw SysError("mkdir", s.dir_.string(), errno);
  }
  s.dir_fd_.reset(::open(s.dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s.dir_fd_.valid() || ::flock(s.dir_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::rmdir(s.dir_.c_str());
    throw SysError(s.dir_fd_.valid() ? "flock" : "open", s.dir_.string(), err);
  }
  // On disk before anything the session makes: after a power cut no process
  // holds a lock, so every session found then is dead and the sweep runs.
  FsyncDir(layout::SessionsDir(root));
  return s;
}

void StoreSession::Pin(const Digest& digest) {
  if (!active() || pinned_.count(digest)) return;
  fs::path file = dir_ / layout::kSessionPinsFile;
  if (!pins_fd_.valid()) {
    pins_fd_.reset(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!pins_fd_.valid()) throw SysError("open", file.string(), errno);
  }
  // No fsync: pins matter only while this process lives.
  WriteAll(pins_fd_.get(), digest.str() + "\n", file);
  pinned_.insert(digest);
}

void StoreSession::End() {
  if (!active()) return;
  pins_fd_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);  // a failure leaves a dead session: the next sweep removes it
  dir_fd_.reset();
  pinned_.clear();
}

bool SessionIsLive(const fs::path& session_dir) {
  const Fd fd(::open(session_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return false;
  // Shared, so that two processes testing the same dead session at once
  // both see it dead; the owner holds it exclusively.
  return ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

bool AnyDeadSession(const fs::path& root) {
  bool dead = false;
  ForEachSession(root, [&](const std::string&, const fs::path& dir) {
    if (!dead && !SessionIsLive(dir)) dead = true;
  });
  return dead;
}

void RemoveDeadSessions(const fs::path& root) {
  ForEachSession(root, [&](const std::string&, const fs::path& dir) {
    if (SessionIsLive(dir)) return;
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) throw Error("cannot remove leftover: " + ec.message(), dir.string());
  });
}

std::set<Digest> LivePins(const fs::path& root, const std::string& except_id) {
  std::set<Digest> pins;
  ForEachSession(root, [&](const std::string& id, const fs::path& dir) {
    if (id == except_id || !SessionIsLive(dir)) return;
    std::optional<std::string> text = ReadFileIfExists(dir / layout::kSessionPinsFile);
    if (!text) return;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      if (Digest::IsValid(line)) pins.insert(Digest::Parse(line));
    }
  });
  return pins;
}

}  // namespace ubuild::store
