#include "store/registry/http_client.h"

#include <gtest/gtest.h>

#include "script_server.h"
#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

// A real HTTP server (tests/store/registry/redirect_server.py) on 127.0.0.1.
class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = server_.port();
    ASSERT_NE(port_, 0) << "redirect_server.py did not start";
  }
  HttpResponse Get(const std::string& path) {
    HttpRequest r;
    r.url = "http://127.0.0.1:" + std::to_string(port_) + path;
    r.headers.push_back("Authorization: Bearer secret");
    return http_.Send(r);
  }

  testing::ScriptServer server_{"redirect_server.py"};
  int port_ = 0;
  HttpClient http_;
};

TEST_F(HttpClientTest, SameHostRedirectKeepsAuthorization) {
  HttpResponse r = Get("/same");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Bearer secret");
  EXPECT_EQ(r.url, "http://127.0.0.1:" + std::to_string(port_) + "/echo");
}

TEST_F(HttpClientTest, RedirectToAnotherHostDropsAuthorization) {
  HttpResponse r = Get("/other");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "none");
  EXPECT_EQ(r.url, "http://localhost:" + std::to_string(port_) + "/echo");
}

TEST_F(HttpClientTest, RedirectLoopIsAnError) { EXPECT_THROW(Get("/loop"), Error); }

TEST_F(HttpClientTest, StatusAndHeadersReachTheCaller) {
  HttpResponse r = Get("/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-length"), "13");
}

TEST_F(HttpClientTest, BodyLimit) {
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port_) + "/echo";
  r.headers.push_back("Authorization: x-longer-than-ten-bytes");
  r.max_body = 10;
  EXPECT_THROW(http_.Send(r), Error);
}

TEST(UrlAuthority, HostAndPort) {
  EXPECT_EQ(UrlAuthority("https://Example.com/v2/"), "example.com:443");
  EXPECT_EQ(UrlAuthority("http://127.0.0.1:5000/x?y=1"), "127.0.0.1:5000");
}

}  // namespace
}  // namespace ubuild::store::registry
