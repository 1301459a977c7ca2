#include "builder/dispatch/ssh_relay.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "store/base/error.h"

namespace ubuild::builder {

namespace fs = std::filesystem;

namespace {

sockaddr_un Address(const fs::path& p) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (p.native().size() >= sizeof(addr.sun_path)) throw Error("socket path too long for a unix socket", p.string());
  std::memcpy(addr.sun_path, p.c_str(), p.native().size() + 1);
  return addr;
}

// Waits for `fd` or the stop eventfd; false once stopping (or on an error).
bool PollIn(pollfd* fds, nfds_t n) {
  while (::poll(fds, n, -1) < 0) {
    if (errno != EINTR) return false;
  }
  return (fds[n - 1].revents & POLLIN) == 0;
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

SshRelay::SshRelay(const fs::path& socket, const fs::path& agent, mode_t mode, uid_t uid, gid_t gid)
    : socket_(socket), agent_(agent) {
  Address(agent_);  // refuse an unusable agent path now, not per connection
  listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listen_.valid()) throw SysError("socket", socket_.string(), errno);
  const sockaddr_un addr = Address(socket_);
  if (::bind(listen_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    throw SysError("bind", socket_.string(), errno);
  }
  const char* failed = nullptr;
  if (::chown(socket_.c_str(), uid, gid) != 0) {
    failed = "chown";
  } else if (::chmod(socket_.c_str(), mode) != 0) {
    failed = "chmod";
  } else if (::listen(listen_.get(), 16) != 0) {
    failed = "listen";
  } else if (stop_.reset(::eventfd(0, EFD_CLOEXEC)); !stop_.valid()) {
    failed = "eventfd";
  }
  if (failed != nullptr) {
    const int err = errno;
    ::unlink(socket_.c_str());
    throw SysError(failed, socket_.string(), err);
  }
  acceptor_ = std::thread([this] { Accept(); });
}

SshRelay::~SshRelay() {
  const uint64_t one = 1;
  // An eventfd write of 1 cannot fail short of overflow; every poll sees it.
  [[maybe_unused]] const ssize_t n = ::write(stop_.get(), &one, sizeof(one));
  acceptor_.join();
  for (std::thread& t : connections_) t.join();
  ::unlink(socket_.c_str());
}

void SshRelay::Accept() {
  for (;;) {
    pollfd fds[2] = {{listen_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (!PollIn(fds, 2)) return;
    Fd client(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client.valid()) continue;  // the peer went away before we took it
    Fd agent(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_un addr = Address(agent_);
    // An agent that is gone shows to the client as a closed connection,
    // as it would on the host.
    if (!agent.valid() || ::connect(agent.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      continue;
    }
    connections_.emplace_back([this, c = std::move(client), a = std::move(agent)]() mutable {
      Relay(std::move(c), std::move(a));
    });
  }
}

void SshRelay::Relay(Fd client, Fd agent) {
  char buf[16384];
  for (;;) {
    pollfd fds[3] = {{client.get(), POLLIN, 0}, {agent.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (!PollIn(fds, 3)) return;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n;
      while ((n = ::read(fds[i].fd, buf, sizeof(buf))) < 0 && errno == EINTR) {
      }
      if (n <= 0 || !WriteAll(fds[1 - i].fd, buf, static_cast<size_t>(n))) return;
    }
  }
}

}  // namespace ubuild::builder
