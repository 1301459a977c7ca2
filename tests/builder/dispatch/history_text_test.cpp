#include "builder/dispatch/history_text.h"

#include <gtest/gtest.h>

namespace ubuild::builder {
namespace {

// Expected strings are what Docker 20.10's classic builder recorded
// (tests/e2e/conformance/docker_reference.md).
TEST(HistoryText, ConfigStepsUseTwoSpaces) {
  EXPECT_EQ(NopCreatedBy({"/bin/sh", "-c"}, "ENV A=1"), "/bin/sh -c #(nop)  ENV A=1");
  EXPECT_EQ(NopCreatedBy({"/bin/sh", "-ec"}, "SHELL [/bin/sh -ec]"), "/bin/sh -ec #(nop)  SHELL [/bin/sh -ec]");
}

TEST(HistoryText, WorkdirAndCopyUseOneSpace) {
  EXPECT_EQ(NopCreatedByOneSpace({"/bin/sh", "-c"}, "WORKDIR /newdir/sub"), "/bin/sh -c #(nop) WORKDIR /newdir/sub");
}

TEST(HistoryText, RunWithBuildArgs) {
  EXPECT_EQ(RunCreatedBy({}, {"/bin/sh", "-c", "echo hi"}), "/bin/sh -c echo hi");
  EXPECT_EQ(RunCreatedBy({"A=1", "B=two words", "C=3", "EMPTY="}, {"sh", "-c", "echo $A > /exec-arg.txt"}),
            "|4 A=1 B=two words C=3 EMPTY= sh -c echo $A > /exec-arg.txt");
}

TEST(HistoryText, GoFormatting) {
  EXPECT_EQ(GoQuotedList({"/bin/sh", "-c", "echo \"x\""}), R"(["/bin/sh" "-c" "echo \"x\""])");
  EXPECT_EQ(GoList({"/v1", "/v2/nested"}), "[/v1 /v2/nested]");
  EXPECT_EQ(GoDuration(0), "0s");
  EXPECT_EQ(GoDuration(5'000'000'000), "5s");
  EXPECT_EQ(GoDuration(90'000'000'000), "1m30s");
  EXPECT_EQ(GoDuration(500'000'000), "500ms");
  EXPECT_EQ(GoDuration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(GoDuration(1'500'000'000), "1.5s");
}

TEST(HistoryText, HealthcheckIsGoStructDump) {
  EXPECT_EQ(HealthcheckText({"CMD-SHELL", "test -f /tmp/healthy || exit 1"}, 5'000'000'000, 3'000'000'000,
                            1'000'000'000, 4),
            R"(HEALTHCHECK &{["CMD-SHELL" "test -f /tmp/healthy || exit 1"] "5s" "3s" "1s" '\x04'})");
  EXPECT_EQ(HealthcheckText({"NONE"}, 0, 0, 0, 0), R"(HEALTHCHECK &{["NONE"] "0s" "0s" "0s" '\x00'})");
}

}  // namespace
}  // namespace ubuild::builder
