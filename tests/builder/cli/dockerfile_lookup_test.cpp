#include "builder/cli/dockerfile_lookup.h"

#include <gtest/gtest.h>

#include "store/base/error.h"
#include "tests/builder/busybox_rootfs.h"

namespace ubuild::cli {
namespace {

using ubuild::testing::TempDir;
using ubuild::testing::WriteFile;

TEST(FindDockerfile, PrefersDockerfileThenLowercaseThenContainerfile) {
  TempDir ctx;
  WriteFile(ctx.path() / "Containerfile", "FROM scratch\n");
  EXPECT_EQ(FindDockerfile(ctx.path()), ctx.path() / "Containerfile");
  WriteFile(ctx.path() / "dockerfile", "FROM scratch\n");
  EXPECT_EQ(FindDockerfile(ctx.path()), ctx.path() / "dockerfile");
  WriteFile(ctx.path() / "Dockerfile", "FROM scratch\n");
  EXPECT_EQ(FindDockerfile(ctx.path()), ctx.path() / "Dockerfile");
}

TEST(FindDockerfile, FindsADanglingSymlinkAsDockersLstatDoes) {
  TempDir ctx;
  std::filesystem::create_symlink("nowhere", ctx.path() / "Dockerfile");
  WriteFile(ctx.path() / "Containerfile", "FROM scratch\n");
  EXPECT_EQ(FindDockerfile(ctx.path()), ctx.path() / "Dockerfile");
}

TEST(FindDockerfile, NamesEveryNameTriedWhenNoneExists) {
  TempDir ctx;
  WriteFile(ctx.path() / "DOCKERFILE", "FROM scratch\n");  // not a name docker looks for
  try {
    FindDockerfile(ctx.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), ctx.path().string() +
                               ": no Dockerfile in the build context (looked for Dockerfile, dockerfile, "
                               "Containerfile; name another with -f)");
  }
}

}  // namespace
}  // namespace ubuild::cli
