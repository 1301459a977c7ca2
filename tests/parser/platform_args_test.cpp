#include "parser/platform_args.h"

#include <sys/utsname.h>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ubuild::parser
