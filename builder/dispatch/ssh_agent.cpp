#include "builder/dispatch/ssh_agent.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "store/base/error.h"
#include "store/base/fd.h"

extern char** environ;

namespace ubuild::builder {

namespace {

// `cwd` empty: the builder's own.
pid_t Spawn(const std::vector<std::string>& args, char** envp, const std::filesystem::path& cwd = {}) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The agent's "Agent pid N" chatter is not the build's output.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw SysError("spawn", args[0] + " (install openssh-client for --ssh with key files)", rc);
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Whether the agent takes connections yet. Its socket file appears at
// bind(), a moment before listen(): an ssh-add in between is refused.
bool Listens(const std::filesystem::path& socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.size() >= sizeof addr.sun_path) throw Error("socket path too long for ssh-agent", path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw SysError("socket", path, errno);
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace

SshAgent::SshAgent(const std::filesystem::path& socket, const std::vector<std::string>& keys,
                   const std::filesystem::path& session_dir)
    : socket_(socket) {
  // The child changes to the session dir before its exec, while it still
  // shares the builder's flock of the session (the fd closes at exec), and
  // ssh-agent -D stays there: from the moment a killed builder's session
  // can be seen dead, its agent is recognised by its cwd (session_scratch.h),
  // also when its socket is outside the session ($TMPDIR for a long root)
  // and in the moment of the exec when its command line reads empty.
  pid_ = Spawn({"ssh-agent", "-D", "-a", socket_.string()}, environ, session_dir);
  try {
    // The agent listens a moment after it starts.
    for (int i = 0; !Listens(socket_); ++i) {
      int status = 0;
      if (i == 2000 || ::waitpid(pid_, &status, WNOHANG) == pid_) {
        if (i < 2000) pid_ = -1;
        throw Error("ssh-agent did not listen on its socket", socket_.string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string_view(*e).substr(0, 14) != "SSH_AUTH_SOCK=") env_strings.emplace_back(*e);
    }
    env_strings.push_back("SSH_AUTH_SOCK=" + socket_.string());
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (const std::string& key : keys) {
      if (Wait(Spawn({"ssh-add", "-q", key}, envp.data())) != 0) throw Error("ssh-add refused the key", key);
    }
  } catch (...) {
    Stop();
    throw;
  }
}

SshAgent::~SshAgent() { Stop(); }

void SshAgent::Stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGTERM);
  Wait(pid_);
  pid_ = -1;
  ::unlink(socket_.c_str());
}

}  // namespace ubuild::builder
