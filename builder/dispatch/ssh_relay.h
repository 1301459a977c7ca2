#pragma once
// `ubuild build --ssh ID=SOCKET` (or $SSH_AUTH_SOCK): the RUN does not get the
// host's agent socket itself, which would show the host's mode and owner,
// but a socket of the step's own with the mount's mode, uid and gid (BuildKit
// proxies the agent the same way). Each connection to it is relayed, bytes
// both ways, to a fresh connection to the host's agent, for as long as the
// relay lives (one RUN).
#include <sys/types.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "store/base/fd.h"

namespace ubuild::builder {

class SshRelay {
 public:
  // Listens on `socket` (made with `mode`, `uid`, `gid`) and relays to the
  // agent at `agent`. Throws ubuild::Error naming the socket it could not make.
  SshRelay(const std::filesystem::path& socket, const std::filesystem::path& agent, mode_t mode, uid_t uid,
           gid_t gid);
  // Closes every relayed connection and removes the socket.
  ~SshRelay();
  SshRelay(const SshRelay&) = delete;
  SshRelay& operator=(const SshRelay&) = delete;

  const std::filesystem::path& socket() const { return socket_; }

 private:
  void Accept();
  void Relay(Fd client, Fd agent);

  std::filesystem::path socket_;
  std::filesystem::path agent_;
  Fd listen_;
  Fd stop_;  // an eventfd: readable once the relay is to stop
  std::vector<std::thread> connections_;  // only the acceptor adds, before the destructor joins it
  std::thread acceptor_;
};

}  // namespace ubuild::builder
