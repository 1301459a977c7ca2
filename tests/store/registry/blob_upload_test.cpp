#include "store/registry/blob_upload.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "store/base/error.h"

namespace ubuild::store::registry {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(s);
  return ntohs(a.sin_port);
}

pid_t Spawn(const std::vector<std::string>& argv, const fs::path& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

std::string RandomBytes(size_t n) {
  std::mt19937 rng(17);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// A real docker-registry (CNCF distribution) on 127.0.0.1, and, for the
// fallback, tests/e2e/length_required_proxy.py before it, which answers a
// chunked body 411.
class BlobUploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ubuild-blob-upload-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    const int port = FreePort();
    registry_ = "127.0.0.1:" + std::to_string(port);
    std::ofstream(dir_ / "config.yml") << "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                                        << (dir_ / "data").string() << "\nhttp:\n  addr: " << registry_ << "\n";
    pids_.push_back(Spawn({"docker-registry", "serve", (dir_ / "config.yml").string()}, dir_ / "registry.log"));
    WaitFor(registry_);
  }
  void TearDown() override {
    for (pid_t pid : pids_) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  void WaitFor(const std::string& authority) {
    HttpClient http;
    for (int i = 0; i < 200; ++i) {
      try {
        HttpRequest ping;
        ping.url = "http://" + authority + "/v2/";
        if (http.Send(ping).status == 200) return;
      } catch (const Error&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << authority << " did not answer";
  }
  std::string StartProxy() {
    const fs::path port_file = dir_ / "proxy.port";
    const std::string script = std::string(UBUILD_SOURCE_DIR) + "/tests/e2e/length_required_proxy.py";
    pids_.push_back(
        Spawn({"python3", script, registry_, port_file.string(), (dir_ / "proxy.log").string()}, dir_ / "proxy.out"));
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    int port = 0;
    std::ifstream(port_file) >> port;
    const std::string proxy = "127.0.0.1:" + std::to_string(port);
    WaitFor(proxy);
    return proxy;
  }
  std::string GetBlob(const Digest& blob) {
    HttpRequest get;
    get.url = "http://" + registry_ + "/v2/test/blob/blobs/" + blob.str();
    get.max_body = 64 << 20;
    HttpResponse r = http_.Send(get);
    EXPECT_EQ(r.status, 200);
    return r.body;
  }

  fs::path dir_;
  std::string registry_;
  std::vector<pid_t> pids_;
  HttpClient http_;
};

// Writes `data` into the stream in pieces on its own thread, as push's
// compressor does; a Write after the reader closed throws, which ends it.
std::thread Writer(BlobUploadStream& stream, const std::string& data) {
  return std::thread([&stream, &data] {
    try {
      for (size_t i = 0; i < data.size(); i += 100000) stream.Write(data.data() + i, std::min<size_t>(100000, data.size() - i));
      stream.Finish();
    } catch (const Error&) {
    }
  });
}

TEST_F(BlobUploadTest, AStreamedUploadBecomesTheBlob) {
  const std::string data = RandomBytes(6 << 20);
  RegistrySession session(registry_, {"repository:test/blob:pull,push"});
  session.Ping(http_);
  BlobUploadStream stream("test");
  std::thread writer = Writer(stream, data);
  const bool streamed = StreamBlob(session, http_, "test/blob", stream);
  writer.join();
  ASSERT_TRUE(streamed);
  EXPECT_EQ(stream.digest(), Sha256Of(data));
  EXPECT_EQ(GetBlob(stream.digest()), data);
  std::ifstream log(dir_ / "registry.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"PATCH /v2/test/blob/blobs/uploads/"), std::string::npos) << text;
}

TEST_F(BlobUploadTest, AMonolithicUploadBecomesTheBlob) {
  const std::string data = RandomBytes(100000);
  RegistrySession session(registry_, {"repository:test/blob:pull,push"});
  session.Ping(http_);
  StringSource bytes(data);
  UploadBlob(session, http_, "test/blob", Sha256Of(data), bytes, data.size());
  EXPECT_EQ(GetBlob(Sha256Of(data)), data);
}

TEST_F(BlobUploadTest, TheWritersErrorIsThrown) {
  const std::string data = RandomBytes(2 << 20);
  RegistrySession session(registry_, {"repository:test/blob:pull,push"});
  session.Ping(http_);
  BlobUploadStream stream("test");
  std::thread writer([&] {
    stream.Write(data.data(), data.size());
    stream.Fail(std::make_exception_ptr(Error("the layer's files are gone")));
  });
  try {
    StreamBlob(session, http_, "test/blob", stream);
    ADD_FAILURE() << "StreamBlob returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "the layer's files are gone");
  }
  writer.join();
}

TEST_F(BlobUploadTest, ARefusedPatchIsReportedAndStopsTheWriter) {
  const std::string proxy = StartProxy();
  const std::string data = RandomBytes(8 << 20);  // more than the stream holds: the writer blocks
  RegistrySession session(proxy, {"repository:test/blob:pull,push"});
  session.Ping(http_);
  BlobUploadStream stream("test");
  std::thread writer = Writer(stream, data);
  EXPECT_FALSE(StreamBlob(session, http_, "test/blob", stream));
  writer.join();
  // The same session then uploads whole, through the proxy.
  StringSource bytes(data);
  UploadBlob(session, http_, "test/blob", Sha256Of(data), bytes, data.size());
  EXPECT_EQ(GetBlob(Sha256Of(data)), data);
}

}  // namespace
}  // namespace ubuild::store::registry
