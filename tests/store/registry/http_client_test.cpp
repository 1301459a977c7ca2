#include "store/registry/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

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

// Counts a body's bytes; turns `cancel` true once `after` have come.
class CancellingSink : public ByteSink {
 public:
  CancellingSink(std::atomic<bool>& cancel, uint64_t after) : cancel_(cancel), after_(after) {}
  void Write(const void*, size_t len) override {
    received += len;
    if (received >= after_) cancel_ = true;
  }
  uint64_t received = 0;

 private:
  std::atomic<bool>& cancel_;
  uint64_t after_;
};

TEST_F(HttpClientTest, ACancelledTransferEndsSoonWithAnError) {
  std::atomic<bool> cancel{false};
  CancellingSink sink(cancel, 256 << 10);
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port_) + "/slow";
  r.sink = &sink;
  r.cancel = &cancel;
  const auto start = std::chrono::steady_clock::now();
  try {
    http_.Send(r);
    ADD_FAILURE() << "the cancelled GET completed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  // The whole body takes the server ~50 s; the cancel is seen within a read or a second.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_GE(sink.received, 256u << 10);
  EXPECT_LT(sink.received, 8u << 20);
  // The client serves the next request.
  EXPECT_EQ(Get("/echo").status, 200);
}

TEST_F(HttpClientTest, ATransferCancelledBeforeItStartsSendsNoBody) {
  std::atomic<bool> cancel{true};
  CancellingSink sink(cancel, 0);
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port_) + "/slow";
  r.sink = &sink;
  r.cancel = &cancel;
  EXPECT_THROW(http_.Send(r), Error);
  EXPECT_EQ(sink.received, 0u);
}

TEST(UrlAuthority, HostAndPort) {
  EXPECT_EQ(UrlAuthority("https://Example.com/v2/"), "example.com:443");
  EXPECT_EQ(UrlAuthority("http://127.0.0.1:5000/x?y=1"), "127.0.0.1:5000");
}

}  // namespace
}  // namespace ubuild::store::registry
