#include "builder/dispatch/build_secrets.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "store/base/error.h"

namespace ubuild::builder {
namespace {

TEST(BuildSecrets, FileAndEnvSources) {
  auto [id, s] = ParseSecretFlag("id=tok,src=/tmp/t");
  EXPECT_EQ(id, "tok");
  EXPECT_EQ(s.file, "/tmp/t");
  auto [id2, s2] = ParseSecretFlag("id=tok,env=TOKEN_VAR");
  EXPECT_EQ(s2.env, "TOKEN_VAR");
  EXPECT_EQ(s2.file, "");
  EXPECT_EQ(ParseSecretFlag("type=env,id=X").second.env, "X");
  EXPECT_EQ(ParseSecretFlag("id=x,source=f").second.file, "f");
}

TEST(BuildSecrets, BareIdPrefersTheVariable) {
  ::setenv("UBUILD_TEST_SECRET_ID", "v", 1);
  EXPECT_EQ(ParseSecretFlag("id=UBUILD_TEST_SECRET_ID").second.env, "UBUILD_TEST_SECRET_ID");
  ::unsetenv("UBUILD_TEST_SECRET_ID");
  EXPECT_EQ(ParseSecretFlag("id=UBUILD_TEST_SECRET_ID").second.file, "UBUILD_TEST_SECRET_ID");
}

TEST(BuildSecrets, BadFlags) {
  EXPECT_THROW(ParseSecretFlag("src=/tmp/t"), Error);
  EXPECT_THROW(ParseSecretFlag("id=a,colour=red"), Error);
  EXPECT_THROW(ParseSecretFlag("id=a,type=volume"), Error);
  EXPECT_THROW(ParseSecretFlag("id"), Error);
}

TEST(BuildSecrets, ReadNeverQuotesTheValue) {
  const std::filesystem::path f = std::filesystem::temp_directory_path() / "ubuild_secret_test";
  std::ofstream(f) << "hunter2";
  EXPECT_EQ(ReadSecret("a", SecretSource{f.string(), ""}), "hunter2");
  std::filesystem::remove(f);
  try {
    ReadSecret("a", SecretSource{f.string(), ""});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "secret a: cannot read the file");
  }
  ::unsetenv("UBUILD_TEST_UNSET");
  EXPECT_THROW(ReadSecret("a", SecretSource{"", "UBUILD_TEST_UNSET"}), Error);
}

TEST(BuildSecrets, SshFlag) {
  auto [id, paths] = ParseSshFlag("default=/tmp/agent.sock");
  EXPECT_EQ(id, "default");
  EXPECT_EQ(paths, std::vector<std::string>{"/tmp/agent.sock"});
  EXPECT_EQ(ParseSshFlag("gh=/k1,/k2").second, (std::vector<std::string>{"/k1", "/k2"}));
  ::setenv("SSH_AUTH_SOCK", "/run/agent", 1);
  EXPECT_EQ(ParseSshFlag("default").second, std::vector<std::string>{"/run/agent"});
  ::unsetenv("SSH_AUTH_SOCK");
  EXPECT_THROW(ParseSshFlag("default"), Error);
  EXPECT_THROW(ParseSshFlag("=x"), Error);
}

}  // namespace
}  // namespace ubuild::builder
