#include "builder/cli/build_metadata_file.h"

#include <gtest/gtest.h>

namespace ubuild::cli {
namespace {

const store::Digest kId = store::Digest::Parse("sha256:" + std::string(64, 'a'));

TEST(BuildMetadataJson, WritesBuildKitsKeysSortedAndIndentedAsBuildxDoes) {
  EXPECT_EQ(BuildMetadataJson(kId, {"app", "reg.example:5000/me/app:1"}),
            "{\n"
            "  \"containerimage.config.digest\": \"sha256:" + std::string(64, 'a') + "\",\n"
            "  \"containerimage.digest\": \"sha256:" + std::string(64, 'a') + "\",\n"
            "  \"image.name\": \"docker.io/library/app:latest,reg.example:5000/me/app:1\"\n"
            "}\n");
}

TEST(BuildMetadataJson, LeavesImageNameOutWithoutTags) {
  EXPECT_EQ(BuildMetadataJson(kId, {}).find("image.name"), std::string::npos);
}

}  // namespace
}  // namespace ubuild::cli
