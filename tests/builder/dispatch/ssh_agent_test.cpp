// The agent --ssh ID=KEY starts works in the build's session dir, so the
// sweep after a killed build finds it there (store/session_scratch.h), also
// when its socket lies outside the session (a long store root puts it in
// $TMPDIR) and its command line names no path in the session.
#include "builder/dispatch/ssh_agent.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/session_scratch.h"

namespace ubuild::builder {
namespace {

namespace fs = std::filesystem;

// The pid whose command line holds `word`, or -1.
pid_t ProcessNaming(const std::string& word) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(word) != std::string::npos) return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

// The state letter of /proc/PID/stat ('Z' once it has exited, unreaped).
char StateOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

TEST(SshAgentTest, WorksInTheSessionDirSoTheSweepFindsIt) {
  std::string tmpl = (fs::temp_directory_path() / "ubuild-ssh-agent-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path top = tmpl, session = top / "session", sockets = top / "sockets";
  fs::create_directories(session);
  fs::create_directories(sockets);
  {
    SshAgent agent(sockets / "agent.0", {}, session);
    const pid_t pid = ProcessNaming((sockets / "agent.0").string());
    ASSERT_GT(pid, 0);
    EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(pid) + "/cwd"), session);
    store::KillSessionHelpers(session);
    EXPECT_EQ(StateOf(pid), 'Z') << "the sweep left the agent running";
  }
  fs::remove_all(top);
}

// ssh-agent binds its socket a moment before it listens; a key added in
// between was refused ("Error connecting to agent: Connection refused").
// A stand-in agent on PATH makes the moment 300 ms long.
TEST(SshAgentTest, AddsKeysOnlyOnceTheAgentListens) {
  std::string tmpl = (fs::temp_directory_path() / "ubuild-ssh-agent-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path top = tmpl, bin = top / "bin", session = top / "session";
  fs::create_directories(bin);
  fs::create_directories(session);
  {
    std::ofstream agent(bin / "ssh-agent");
    agent << R"(#!/usr/bin/env python3
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[sys.argv.index("-a") + 1])
time.sleep(0.3)
s.listen(8)
while True:
    c, _ = s.accept()
    while len(head := c.recv(4, socket.MSG_WAITALL)) == 4:
        c.recv(struct.unpack(">I", head)[0], socket.MSG_WAITALL)
        c.sendall(struct.pack(">IB", 1, 6))  # SSH_AGENT_SUCCESS
    c.close()
)";
  }
  fs::permissions(bin / "ssh-agent", fs::perms::owner_all);
  const fs::path key = top / "id";
  ASSERT_EQ(std::system(("ssh-keygen -q -t ed25519 -N '' -f " + key.string()).c_str()), 0);
  const std::string old_path = std::getenv("PATH");
  ::setenv("PATH", (bin.string() + ":" + old_path).c_str(), 1);
  try {
    SshAgent agent(top / "agent.sock", {key.string()}, session);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  ::setenv("PATH", old_path.c_str(), 1);
  fs::remove_all(top);
}

}  // namespace
}  // namespace ubuild::builder
