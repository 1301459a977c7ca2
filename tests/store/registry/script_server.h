#pragma once
// A test's HTTP server: a Python script from tests/store/registry/ run as
// `python3 SCRIPT PORT_FILE`, which listens on 127.0.0.1 and writes its port
// to PORT_FILE once it does. Stopped (SIGTERM) when this goes.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace ubuild::store::registry::testing {

class ScriptServer {
 public:
  explicit ScriptServer(const std::string& script_name) {
    port_file_ = std::filesystem::temp_directory_path() /
                 ("ubuild-" + script_name + "-" + std::to_string(::getpid()));
    std::filesystem::remove(port_file_);
    const std::string script = std::string(UBUILD_SOURCE_DIR) + "/tests/store/registry/" + script_name;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("python3", "python3", script.c_str(), port_file_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; pid_ > 0 && i < 200 && !std::filesystem::exists(port_file_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::ifstream(port_file_) >> port_;
  }
  ~ScriptServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(port_file_);
  }
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  // 0 if the server did not start.
  int port() const { return port_; }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::filesystem::path port_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ubuild::store::registry::testing
