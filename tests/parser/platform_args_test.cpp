#include "parser/platform_args.h"

#include <sys/utsname.h>

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::parser {
namespace {

TEST(PlatformArgs, MachineNamesBecomeGoNames) {
  EXPECT_EQ(PlatformFromMachine("x86_64").Format(), "linux/amd64");
  EXPECT_EQ(PlatformFromMachine("aarch64").Format(), "linux/arm64");
  EXPECT_EQ(PlatformFromMachine("armv7l").Format(), "linux/arm/v7");
  EXPECT_EQ(PlatformFromMachine("armv6l").Format(), "linux/arm/v6");
  EXPECT_EQ(PlatformFromMachine("i686").Format(), "linux/386");
  EXPECT_EQ(PlatformFromMachine("s390x").Format(), "linux/s390x");
}

TEST(PlatformArgs, HostIsTheUnameMachine) {
  struct utsname u{};
  ASSERT_EQ(uname(&u), 0);
  EXPECT_EQ(HostPlatform().Format(), PlatformFromMachine(u.machine).Format());
  EXPECT_EQ(HostPlatform().os, "linux");
}

TEST(PlatformArgs, TheEightArgsInBuildKitsOrder) {
  const Platform arm{"linux", "arm", "v7"};
  const Platform amd{"linux", "amd64", ""};
  EXPECT_EQ(PlatformArgs(arm, amd),
            (std::vector<std::string>{"TARGETPLATFORM=linux/arm/v7", "TARGETOS=linux", "TARGETARCH=arm",
                                      "TARGETVARIANT=v7", "BUILDPLATFORM=linux/amd64", "BUILDOS=linux",
                                      "BUILDARCH=amd64", "BUILDVARIANT="}));
}

// The values Docker 20.10's BuildKit gave TARGETPLATFORM for each --platform.
TEST(PlatformArgs, ParseNormalisesAsBuildKit) {
  EXPECT_EQ(ParsePlatform("linux/arm64").Format(), "linux/arm64");
  EXPECT_EQ(ParsePlatform("linux/arm64/v8").Format(), "linux/arm64");
  EXPECT_EQ(ParsePlatform("linux/aarch64").Format(), "linux/arm64");
  EXPECT_EQ(ParsePlatform("linux/arm").Format(), "linux/arm/v7");
  EXPECT_EQ(ParsePlatform("linux/arm/7").Format(), "linux/arm/v7");
  EXPECT_EQ(ParsePlatform("linux/arm/v6").Format(), "linux/arm/v6");
  EXPECT_EQ(ParsePlatform("linux/armhf").Format(), "linux/arm/v7");
  EXPECT_EQ(ParsePlatform("Linux/X86_64").Format(), "linux/amd64");
  EXPECT_EQ(ParsePlatform("linux/i386").Format(), "linux/386");
  EXPECT_EQ(ParsePlatform("linux/ppc64le").Format(), "linux/ppc64le");
  EXPECT_EQ(ParsePlatform("linux/riscv64").Format(), "linux/riscv64");
}

TEST(PlatformArgs, ParseOneWordTakesTheRestFromTheHost) {
  EXPECT_EQ(ParsePlatform("linux"), HostPlatform());
  EXPECT_EQ(ParsePlatform("arm64").Format(), "linux/arm64");
  EXPECT_EQ(ParsePlatform("s390x").Format(), "linux/s390x");
}

TEST(PlatformArgs, ParseRefusesWhatIsNoPlatform) {
  for (const char* bad : {"", "linux/", "/amd64", "linux//v7", "linux/arm/v7/x", "linux/am d64", "linux/$ARCH",
                          "pdp11", "linux/arm64/v8/"}) {
    EXPECT_THROW(ParsePlatform(bad), Error) << bad;
  }
  try {
    ParsePlatform("linux/am d64");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"linux/am d64\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ubuild::parser
