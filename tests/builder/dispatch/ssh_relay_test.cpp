// The relay of a forwarded ssh agent: its socket has the mount's mode and
// owner whatever the agent's are, every connection reaches the agent, and
// nothing is left once the RUN's relay is gone. The "agent" here is an echo
// server on a unix socket (the e2e test forwards OpenSSH's agent).
#include "builder/dispatch/ssh_relay.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;

sockaddr_un Address(const fs::path& p) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, p.c_str(), sizeof(addr.sun_path) - 1);
  return addr;
}

Fd Connect(const fs::path& p) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_un addr = Address(p);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) return Fd();
  return fd;
}

std::string Exchange(int fd, const std::string& msg) {
  EXPECT_EQ(::write(fd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  std::string got(msg.size(), '\0');
  size_t done = 0;
  while (done < got.size()) {
    const ssize_t n = ::read(fd, got.data() + done, got.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  got.resize(done);
  return got;
}

class SshRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/ubuild-relay-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    agent_ = dir_ / "agent.sock";
    listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_un addr = Address(agent_);
    ASSERT_EQ(::bind(listen_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::chmod(agent_.c_str(), 0777), 0);
    ASSERT_EQ(::listen(listen_.get(), 8), 0);
    // Echoes each connection, one thread per connection, until shutdown.
    server_ = std::thread([this] {
      for (;;) {
        const int c = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        std::thread([c] {
          char buf[256];
          ssize_t n;
          while ((n = ::read(c, buf, sizeof(buf))) > 0) {
            if (::write(c, buf, static_cast<size_t>(n)) != n) break;
          }
          ::close(c);
        }).detach();
      }
    });
  }
  void TearDown() override {
    ::shutdown(listen_.get(), SHUT_RDWR);
    server_.join();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  fs::path agent_;
  Fd listen_;
  std::thread server_;
};

TEST_F(SshRelayTest, TheSocketTakesTheMountsModeAndOwner) {
  SshRelay relay(dir_ / "relay", agent_, 0640, 5, 6);
  struct stat st {};
  ASSERT_EQ(::lstat(relay.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 5u);
  EXPECT_EQ(st.st_gid, 6u);
}

TEST_F(SshRelayTest, EachConnectionReachesTheAgent) {
  SshRelay relay(dir_ / "relay", agent_, 0600, 0, 0);
  Fd a = Connect(relay.socket());
  Fd b = Connect(relay.socket());
  ASSERT_TRUE(a.valid() && b.valid());
  EXPECT_EQ(Exchange(a.get(), "request one"), "request one");
  EXPECT_EQ(Exchange(b.get(), "request two"), "request two");
  const std::string big(50000, 'x');  // more than one read's buffer
  EXPECT_EQ(Exchange(a.get(), big), big);
}

TEST_F(SshRelayTest, StoppingClosesConnectionsAndRemovesTheSocket) {
  Fd c;
  fs::path socket;
  {
    SshRelay relay(dir_ / "relay", agent_, 0600, 0, 0);
    socket = relay.socket();
    c = Connect(socket);
    ASSERT_TRUE(c.valid());
    EXPECT_EQ(Exchange(c.get(), "hi"), "hi");
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(socket)));
  char buf[4];
  EXPECT_EQ(::read(c.get(), buf, sizeof(buf)), 0);  // the relay's end closed
}

TEST_F(SshRelayTest, AGoneAgentClosesTheClientsConnection) {
  SshRelay relay(dir_ / "relay", dir_ / "no-agent.sock", 0600, 0, 0);
  Fd c = Connect(relay.socket());
  ASSERT_TRUE(c.valid());
  char buf[4];
  EXPECT_EQ(::read(c.get(), buf, sizeof(buf)), 0);
}

TEST_F(SshRelayTest, ASocketPathTooLongIsRefused) {
  EXPECT_THROW(SshRelay(dir_ / std::string(120, 'x'), agent_, 0600, 0, 0), Error);
}

}  // namespace
}  // namespace ubuild::builder
