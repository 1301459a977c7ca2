#include "store/registry/distribution_metadata.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "store/atomic_file.h"
#include "store/layout.h"

namespace ubuild::store::registry {
namespace {

class DistributionMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("ubuild-v2metadata-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
  Digest diff_ = Digest::FromHex(std::string(64, 'd'));
  Digest blob_a_ = Digest::FromHex(std::string(64, 'a'));
  Digest blob_b_ = Digest::FromHex(std::string(64, 'b'));
};

TEST_F(DistributionMetadataTest, NothingKnown) { EXPECT_TRUE(SightingsOf(root_, diff_).empty()); }

TEST_F(DistributionMetadataTest, DockersFilesAndNewestLast) {
  const std::string gz = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  RecordSighting(root_, diff_, {blob_a_, "h:1/x", gz});
  RecordSighting(root_, diff_, {blob_b_, "h:1/y", gz});
  RecordSighting(root_, diff_, {blob_a_, "h:1/x", gz});  // seen again: moves to the end
  auto all = SightingsOf(root_, diff_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].blob, blob_b_);
  EXPECT_EQ(all[1].blob, blob_a_);
  EXPECT_EQ(all[1].source_repository, "h:1/x");
  EXPECT_EQ(all[1].media_type, gz);
  auto j = nlohmann::json::parse(ReadFile(layout::V2MetadataByDiffId(root_, diff_)));
  EXPECT_EQ(j[0]["Digest"], blob_b_.str());
  EXPECT_EQ(j[0]["SourceRepository"], "h:1/y");
  EXPECT_EQ(j[0]["HMAC"], "");
  EXPECT_EQ(ReadFile(layout::DiffIdByDigest(root_, blob_a_)), diff_.str());
  EXPECT_EQ(layout::V2MetadataByDiffId(root_, diff_),
            root_ / "image/overlay2/distribution/v2metadata-by-diffid/sha256" / diff_.hex());
}

TEST_F(DistributionMetadataTest, DockersOwnEntriesWithoutMediaTypeAreRead) {
  auto path = layout::V2MetadataByDiffId(root_, diff_);
  std::filesystem::create_directories(path.parent_path());
  WriteFileAtomic(path, R"([{"Digest":")" + blob_a_.str() + R"(","SourceRepository":"docker.io/library/alpine","HMAC":""}])");
  auto all = SightingsOf(root_, diff_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].media_type, "");
  EXPECT_EQ(all[0].source_repository, "docker.io/library/alpine");
}

}  // namespace
}  // namespace ubuild::store::registry
