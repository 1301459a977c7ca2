#include "store/registry/credential_helper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "store/base/error.h"
#include "store/base/fd.h"

namespace ubuild::store::registry {

namespace {

struct HelperResult {
  int exit_status = 0;
  std::string output;
};

// Runs `docker-credential-<helper> <verb>` with `input` on its stdin.
HelperResult RunHelper(const std::string& helper, const std::string& verb, const std::string& input) {
  const std::string program = "docker-credential-" + helper;
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw SysError("pipe", program, errno);
  Fd in_read(in[0]), in_write(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) throw SysError("pipe", program, errno);
  Fd out_read(out[0]), out_write(out[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw SysError("fork", program, errno);
  if (pid == 0) {
    ::dup2(in_read.get(), STDIN_FILENO);
    ::dup2(out_write.get(), STDOUT_FILENO);
    ::execlp(program.c_str(), program.c_str(), verb.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  in_read.reset();
  out_write.reset();
  // A helper that exits without reading its input must not kill us.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  for (size_t done = 0; done < input.size();) {
    ssize_t n = ::write(in_write.get(), input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<size_t>(n);
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  in_write.reset();
  HelperResult r;
  char buf[4096];
  for (ssize_t n; (n = ::read(out_read.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    r.output.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (r.exit_status == 127) throw Error("credential helper " + program + " is not installed (it is named in the docker config)");
  return r;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::optional<Credentials> HelperGet(const std::string& helper, const std::string& server) {
  HelperResult r = RunHelper(helper, "get", server);
  if (r.exit_status != 0) {
    // The helpers' own words for "nothing stored" (credentials.errCredentialsNotFound).
    if (r.output.find("credentials not found") != std::string::npos) return std::nullopt;
    throw Error("docker-credential-" + helper + " get failed: " + Trimmed(r.output), server);
  }
  try {
    nlohmann::json j = nlohmann::json::parse(r.output);
    Credentials c{j.value("Username", ""), j.value("Secret", "")};
    if (c.username.empty() && c.password.empty()) return std::nullopt;
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error("docker-credential-" + helper + " printed malformed JSON: " + e.what(), server);
  }
}

void HelperStore(const std::string& helper, const std::string& server, const Credentials& credentials) {
  nlohmann::json j = {{"ServerURL", server}, {"Username", credentials.username}, {"Secret", credentials.password}};
  HelperResult r = RunHelper(helper, "store", j.dump());
  if (r.exit_status != 0) throw Error("docker-credential-" + helper + " store failed: " + Trimmed(r.output), server);
}

void HelperErase(const std::string& helper, const std::string& server) {
  HelperResult r = RunHelper(helper, "erase", server);
  if (r.exit_status != 0) throw Error("docker-credential-" + helper + " erase failed: " + Trimmed(r.output), server);
}

}  // namespace ubuild::store::registry
