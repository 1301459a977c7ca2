#include "store/registry/registry_session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>
#include <vector>

#include "script_server.h"
#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

// A registry and its token server in one real HTTP server
// (tests/store/registry/token_registry_server.py) on 127.0.0.1: tokens
// live 2 s, and POST /revoke makes the issued ones invalid early.
class RegistrySessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(server_.port(), 0) << "token_registry_server.py did not start";
    domain_ = server_.authority();
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

  testing::ScriptServer server_{"token_registry_server.py"};
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

// A web server that is no registry, on a loopback port: its own 404 is the
// answer to tell, not the TLS error of the HTTPS try that follows it.
TEST(RegistryPing, APlainHttpServerThatIsNoRegistryIsNamedSo) {
  testing::ScriptServer web("redirect_server.py");  // 404 to anything but its redirects
  ASSERT_NE(web.port(), 0) << "redirect_server.py did not start";
  RegistrySession session(web.authority(), {"repository:a:pull"});
  HttpClient http;
  try {
    session.Ping(http);
    ADD_FAILURE() << "Ping accepted a server that is no registry";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), web.authority() + " does not look like a registry: GET /v2/ answered HTTP 404");
  }
}

}  // namespace
}  // namespace ubuild::store::registry
