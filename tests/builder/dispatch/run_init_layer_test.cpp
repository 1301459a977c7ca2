// A RUN's init layer: the container's own mount points the image lacks, with
// or without RUN --mount targets, stacked nearest; nothing when the image
// has them all.
#include "builder/dispatch/run_init_layer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "tests/builder/busybox_rootfs.h"
#include "tests/needs_root.h"

namespace ubuild::builder {
namespace {
namespace fs = std::filesystem;
using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

class RunInitLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UBUILD_SKIP_UNLESS_ROOT("mount tmpfs");
    WriteFile(image_.path() / "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    spec_.workdir = "/";
  }
  TempDir session_;
  TempDir image_;
  BuildTmpfs tmpfs_;
  RunSpec spec_;
};

TEST_F(RunInitLayerTest, APlainRunsLayerHoldsTheMountPointsTheImageLacks) {
  std::vector<fs::path> lower = {image_.path()};
  std::optional<RunInitLayer> init(std::in_place, tmpfs_, session_.path(), spec_, lower);
  ASSERT_EQ(lower.size(), 2u);
  const fs::path layer = lower.front();
  for (const char* dir : {"proc", "sys", "dev"}) EXPECT_TRUE(fs::is_directory(layer / dir)) << dir;
  for (const char* file : {"etc/hosts", "etc/resolv.conf", "etc/hostname"}) {
    EXPECT_TRUE(fs::is_regular_file(layer / file)) << file;
  }
  EXPECT_FALSE(fs::exists(layer / "etc/passwd")) << "the image's files stay below";
  init.reset();
  EXPECT_FALSE(fs::exists(layer));
}

TEST_F(RunInitLayerTest, AnImageWithThemAllGetsNoLayer) {
  for (const char* dir : {"proc", "sys", "dev"}) fs::create_directories(image_.path() / dir);
  for (const char* file : {"etc/hosts", "etc/resolv.conf", "etc/hostname"}) WriteFile(image_.path() / file, "");
  std::vector<fs::path> lower = {image_.path()};
  RunInitLayer init(tmpfs_, session_.path(), spec_, lower);
  EXPECT_EQ(lower, std::vector<fs::path>{image_.path()});
}

TEST_F(RunInitLayerTest, AMissingWorkdirLeavesEverythingToTheRun) {
  spec_.workdir = "/app";
  std::vector<fs::path> lower = {image_.path()};
  RunInitLayer init(tmpfs_, session_.path(), spec_, lower);
  EXPECT_EQ(lower.size(), 1u) << "the run makes /app in the layer, so no init layer may show one";
}

}  // namespace
}  // namespace ubuild::builder
