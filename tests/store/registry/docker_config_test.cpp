#include "store/registry/docker_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/registry/registry_login.h"

namespace ubuild::store::registry {
namespace {

class DockerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ubuild-docker-config-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ::setenv("DOCKER_CONFIG", dir_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("DOCKER_CONFIG");
    std::filesystem::remove_all(dir_);
  }
  void Write(const std::string& text) { std::ofstream(dir_ / "config.json") << text; }
  std::filesystem::path dir_;
};

TEST_F(DockerConfigTest, NoFileNoCredentials) { EXPECT_FALSE(LookupCredentials("127.0.0.1:5000")); }

TEST_F(DockerConfigTest, AuthsByHostAndByUrl) {
  // "dXNlcjpwYTpzcw==" is base64("user:pa:ss"): the password may hold ':'.
  Write(R"({"auths":{"https://127.0.0.1:5000/v2/":{"auth":"dXNlcjpwYTpzcw=="},)"
        R"("https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldA=="}}})");
  auto c = LookupCredentials("127.0.0.1:5000");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "user");
  EXPECT_EQ(c->password, "pa:ss");
  auto hub = LookupCredentials("docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hub");
  EXPECT_FALSE(LookupCredentials("127.0.0.1:5001"));
}

TEST_F(DockerConfigTest, SaveWritesDockersShapeMode0600AndKeepsOtherFields) {
  Write(R"({"auths":{},"psFormat":"table {{.ID}}"})");
  SaveCredentials("localhost:5000", Credentials{"u", "p"});
  SaveCredentials("docker.io", Credentials{"h", "s"});
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto j = nlohmann::json::parse(ReadFile(dir_ / "config.json"));
  EXPECT_EQ(j["psFormat"], "table {{.ID}}");
  EXPECT_EQ(j["auths"]["localhost:5000"]["auth"], "dTpw");
  EXPECT_EQ(j["auths"]["https://index.docker.io/v1/"]["auth"], "aDpz");
  EXPECT_EQ(LookupCredentials("localhost:5000")->password, "p");
  EXPECT_TRUE(EraseCredentials("localhost:5000"));
  EXPECT_FALSE(LookupCredentials("localhost:5000"));
  EXPECT_FALSE(EraseCredentials("localhost:5000"));
  EXPECT_TRUE(LookupCredentials("docker.io"));
}

TEST_F(DockerConfigTest, CredentialHelperIsRun) {
  // A helper on PATH, as docker-credential-pass or -secretservice would be.
  auto bin = dir_ / "bin";
  std::filesystem::create_directories(bin);
  std::ofstream(bin / "docker-credential-fake")
      << "#!/bin/sh\nread server\n[ \"$1\" = get ] || exit 3\n"
         "if [ \"$server\" = h:1 ]; then echo '{\"ServerURL\":\"h:1\",\"Username\":\"hu\",\"Secret\":\"hs\"}';"
         " else echo 'credentials not found in native keychain'; exit 1; fi\n";
  std::filesystem::permissions(bin / "docker-credential-fake", std::filesystem::perms::owner_all);
  std::string path = bin.string() + ":" + std::getenv("PATH");
  ::setenv("PATH", path.c_str(), 1);
  Write(R"({"credHelpers":{"h:1":"fake","h:2":"fake"}})");
  auto c = LookupCredentials("h:1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "hu");
  EXPECT_EQ(c->password, "hs");
  EXPECT_FALSE(LookupCredentials("h:2"));
  Write(R"({"credsStore":"missing-helper"})");
  EXPECT_THROW(LookupCredentials("h:1"), Error);
}

}  // namespace
}  // namespace ubuild::store::registry

namespace ubuild::store::registry {
namespace {

TEST(RegistryDomainOf, ServerArgumentsAsDockerReadsThem) {
  EXPECT_EQ(RegistryDomainOf(""), "docker.io");
  EXPECT_EQ(RegistryDomainOf("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(RegistryDomainOf("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(RegistryDomainOf("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  EXPECT_EQ(RegistryDomainOf("MyHost:5000"), "myhost:5000");
  EXPECT_EQ(CredentialKey("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(CredentialKey("h:1"), "h:1");
}

}  // namespace
}  // namespace ubuild::store::registry
