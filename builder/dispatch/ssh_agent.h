#pragma once
// `ubuild build --ssh ID=KEY[,KEY]`: private key files, not a running agent.
// As buildx does for key files, the build serves them from an agent of its
// own (OpenSSH's ssh-agent, keys added with ssh-add) for the length of one
// RUN, on a socket in the step's scratch dir; the keys never enter the
// container, only the socket does.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ubuild::builder {

class SshAgent {
 public:
  // Starts ssh-agent on `socket`, working in `session_dir` (the build's
  // session, so that the sweep after a kill finds it there: see
  // store/session_scratch.h), and adds `keys`; throws ubuild::Error naming
  // the key file ssh-add refused.
  SshAgent(const std::filesystem::path& socket, const std::vector<std::string>& keys,
           const std::filesystem::path& session_dir);
  ~SshAgent();
  SshAgent(const SshAgent&) = delete;
  SshAgent& operator=(const SshAgent&) = delete;

  const std::filesystem::path& socket() const { return socket_; }

 private:
  void Stop();
  std::filesystem::path socket_;
  pid_t pid_ = -1;
};

}  // namespace ubuild::builder
