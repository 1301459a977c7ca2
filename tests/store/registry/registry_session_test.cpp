#include "store/registry/registry_session.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace ubuild::store::registry {
namespace {

// A registry and its token server in one real HTTP server
// (tests/store/registry/token_registry_server.py) on 127.0.0.1: tokens
// live 2 s, and POST /revoke makes the issued ones invalid early.
class RegistrySessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_file_ = std::filesystem::temp_directory_path() / ("ubuild-token-registry-" + std::to_string(::getpid()));
    std::filesystem::remove(port_file_);
    const std::string script = std::string(UBUILD_SOURCE_DIR) + "/tests/store/registry/token_registry_server.py";
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::execlp("python3", "python3", script.c_str(), port_file_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(port_file_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::ifstream(port_file_) >> port_;
    ASSERT_NE(port_, 0) << "token_registry_server.py did not start";
    domain_ = "127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove(port_file_);
  }

  RegistrySession Session() { return RegistrySession(domain_, {"repository:a:pull"}, Credentials{"u", "p"}); }
  static HttpResponse Get(RegistrySession& session, HttpClient& http) {
    HttpRequest r;
    r.url = "/v2/a/manifests/1";
    return session.Send(http, r);
  }
  // The server's counts: tokens issued, requests refused for a stale token.
  std::pair<int, int> Stats() {
    HttpRequest r;
    r.url = "http://" + domain_ + "/stats";
    std::istringstream in(http_.Send(r).body);
    std::pair<int, int> out;
    in >> out.first >> out.second;
    return out;
  }
  void Revoke() {
    HttpRequest r;
    r.method = "POST";
    r.url = "http://" + domain_ + "/revoke";
    r.body = "x";
    ASSERT_EQ(http_.Send(r).status, 200);
  }

  std::filesystem::path port_file_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string domain_;
  HttpClient http_;
};

TEST_F(RegistrySessionTest, AShortLivedTokenIsRenewedBeforeTheRegistryRefusesIt) {
  RegistrySession session = Session();
  session.Ping(http_);
  EXPECT_EQ(Get(session, http_).body, "t1");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(Get(session, http_).body, "t2");
  EXPECT_EQ(Stats(), std::make_pair(2, 0));
}

TEST_F(RegistrySessionTest, ThreadsMeetingOneRefusedTokenFetchOneNewToken) {
  RegistrySession session = Session();
  session.Ping(http_);
  ASSERT_EQ(Get(session, http_).status, 200);
  Revoke();
  const int before = Stats().first;
  std::vector<int> status(4);
  std::vector<std::thread> threads;
  for (int& s : status) {
    threads.emplace_back([&session, &s] {
      HttpClient http;
      s = Get(session, http).status;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(status, std::vector<int>(4, 200));
  auto [tokens, refused] = Stats();
  EXPECT_EQ(tokens, before + 1);
  EXPECT_GE(refused, 1);
}

}  // namespace
}  // namespace ubuild::store::registry
