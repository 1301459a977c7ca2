#include "builder/stage_platform.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::builder {
namespace {

parser::FromInstr From(std::string image, std::string name = "", std::string platform = "") {
  parser::FromInstr f;
  f.image = std::move(image);
  f.stage_name = std::move(name);
  f.platform = std::move(platform);
  return f;
}

TEST(StagePlatform, FromPlatformThenTheBaseStageThenTheFlag) {
  BuildOptions options;
  options.platform = parser::ParsePlatform("linux/s390x");
  std::vector<parser::FromInstr> froms{From("busybox", "build", "linux/arm64/v8")};
  std::vector<std::optional<parser::Platform>> platforms{parser::ParsePlatform("linux/arm64")};
  EXPECT_EQ(StagePlatform(options, froms, platforms, From("alpine", "", "linux/arm"), "Dockerfile", 2)->Format(),
            "linux/arm/v7");
  EXPECT_EQ(StagePlatform(options, froms, platforms, From("build"), "Dockerfile", 2)->Format(), "linux/arm64");
  EXPECT_EQ(StagePlatform(options, froms, platforms, From("0"), "Dockerfile", 2)->Format(), "linux/arm64");
  EXPECT_EQ(StagePlatform(options, froms, platforms, From("alpine"), "Dockerfile", 2)->Format(), "linux/s390x");
  options.platform.reset();
  EXPECT_FALSE(StagePlatform(options, froms, platforms, From("alpine"), "Dockerfile", 2).has_value());
}

TEST(StagePlatform, ABadFromPlatformIsLocated) {
  try {
    StagePlatform(BuildOptions{}, {}, {}, From("scratch", "", "linux/"), "Dockerfile", 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message().rfind("Dockerfile:3: FROM --platform=linux/: invalid platform", 0), 0u) << e.message();
  }
}

TEST(StagePlatform, AStoreImageMustBeForTheWantedPlatform) {
  store::ImageConfig config = store::ImageConfig::Scratch();
  config.architecture = "arm64";
  config.SetOtherString("variant", "v8");
  EXPECT_NO_THROW(CheckBasePlatform(config, "img", parser::ParsePlatform("linux/arm64"), "Dockerfile", 1));
  try {
    CheckBasePlatform(config, "img", parser::ParsePlatform("linux/amd64"), "Dockerfile", 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(),
              "Dockerfile:1: FROM img: the image in the store is linux/arm64, not the requested linux/amd64 "
              "(get that one with 'ubuild pull --platform linux/amd64 img')");
  }
  config.architecture = "arm";
  config.SetOtherString("variant", "v6");
  EXPECT_THROW(CheckBasePlatform(config, "img", parser::ParsePlatform("linux/arm/v7"), "Dockerfile", 1), Error);
}

}  // namespace
}  // namespace ubuild::builder
