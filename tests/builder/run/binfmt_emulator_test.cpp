#include "builder/run/binfmt_emulator.h"

#include <gtest/gtest.h>

#include "tests/builder/busybox_rootfs.h"

namespace ubuild::builder {
namespace {

using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

// Entries as the kernel shows those qemu-user-static's qemu-binfmt-conf.sh
// registers (magic and mask are its data).
constexpr const char* kAarch64 =
    "enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: F\noffset 0\n"
    "magic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n";
constexpr const char* kArm =
    "enabled\ninterpreter /usr/bin/qemu-arm-static\nflags: F\noffset 0\n"
    "magic 7f454c4601010100000000000000000002002800\nmask ffffffffffffff00fffffffffffffffffeffffff\n";

TEST(BinfmtEmulator, AnEnabledHandlerForTheMachineRunsIt) {
  TempDir dir;
  WriteFile(dir.path() / "status", "enabled\n");
  WriteFile(dir.path() / "register", "");
  WriteFile(dir.path() / "qemu-aarch64", kAarch64);
  WriteFile(dir.path() / "qemu-arm", kArm);
  EXPECT_EQ(MissingEmulator("arm64", dir.path()), "");
  EXPECT_EQ(MissingEmulator("arm", dir.path()), "");
  EXPECT_EQ(MissingEmulator("s390x", dir.path()), "no binfmt_misc handler is registered for it");
  EXPECT_EQ(MissingEmulator("ppc64le", dir.path()), "no binfmt_misc handler is registered for it");
}

TEST(BinfmtEmulator, ADisabledEntryOrTableRunsNothing) {
  TempDir dir;
  WriteFile(dir.path() / "status", "enabled\n");
  WriteFile(dir.path() / "qemu-aarch64", std::string("disabled") + (kAarch64 + 7));
  EXPECT_EQ(MissingEmulator("arm64", dir.path()), "no binfmt_misc handler is registered for it");
  WriteFile(dir.path() / "qemu-aarch64", kAarch64);
  WriteFile(dir.path() / "status", "disabled\n");
  EXPECT_NE(MissingEmulator("arm64", dir.path()).find("binfmt_misc is disabled"), std::string::npos);
}

TEST(BinfmtEmulator, UnmountedOrUnknownSaysSo) {
  TempDir dir;
  EXPECT_NE(MissingEmulator("arm64", dir.path()).find("binfmt_misc is not mounted at"), std::string::npos);
  EXPECT_NE(MissingEmulator("pdp11", dir.path()).find("no ELF machine for the architecture pdp11"), std::string::npos);
}

TEST(BinfmtEmulator, TheHostRunsItsOwnAndAmd64Runs386) {
  EXPECT_TRUE(RunsNatively("amd64", "amd64"));
  EXPECT_TRUE(RunsNatively("386", "amd64"));
  EXPECT_TRUE(RunsNatively("arm64", "arm64"));
  EXPECT_FALSE(RunsNatively("arm64", "amd64"));
  EXPECT_FALSE(RunsNatively("amd64", "arm64"));
}

}  // namespace
}  // namespace ubuild::builder
