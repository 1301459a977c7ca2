#pragma once
// RUN's default network (issue 10): a network namespace of the RUN's own,
// connected to the outside by a user-mode network stack, as rootless podman
// and buildah connect theirs: slirp4netns if it is installed, else pasta
// (from passt). The stack opens ordinary sockets in the builder's network
// namespace on the container's behalf, so a RUN reaches what the host
// reaches — except the host's loopback: slirp4netns runs with
// --disable-host-loopback, pasta with --no-map-gw and no port forwarding in
// either direction. Nothing is forwarded into the container.
#include <sys/types.h>

#include <string>

#include "store/base/fd.h"

namespace ubuild::builder {

struct UserModeStack {
  enum Kind { kSlirp4netns, kPasta };
  Kind kind = kSlirp4netns;
  std::string program;     // absolute path
  std::string address;     // the container's own address, for /etc/hosts
  std::string nameserver;  // the stack's DNS forwarder, for /etc/resolv.conf
};

// Finds the stack in PATH; throws Error naming both packages if neither is
// installed.
UserModeStack FindUserModeStack();

// The stack attached to the network namespace of process `pid`: the
// constructor starts it, WaitUntilConfigured returns once the container's
// interface is up, addressed and routed (the builder does other work in
// between). The destructor stops it; if ubuild dies first, the stack sees
// its exit descriptor close (slirp4netns) or gets SIGKILL (through the
// parent-death signal).
class UserModeNetwork {
 public:
  UserModeNetwork(const UserModeStack& stack, pid_t pid);
  ~UserModeNetwork();
  UserModeNetwork(const UserModeNetwork&) = delete;
  UserModeNetwork& operator=(const UserModeNetwork&) = delete;

  // Throws Error with the helper's own words if it failed.
  void WaitUntilConfigured();

 private:
  void Stop();

  UserModeStack stack_;
  pid_t helper_ = -1;
  Fd exit_write_;  // slirp4netns exits when this closes
  Fd ready_read_;  // slirp4netns's ready pipe, or pasta's pid file
  Fd log_;         // the helper's output
};

}  // namespace ubuild::builder
