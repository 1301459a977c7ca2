#include <gtest/gtest.h>

#include "store/atomic_file.h"
#include "store/base/error.h"
#include "store/layout.h"
#include "store/reference_store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

const Digest kA = Digest::FromHex(std::string(64, 'a'));
const Digest kB = Digest::FromHex(std::string(64, 'b'));

class ReferenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(layout::ImageRoot(dir_.path())); }
  std::string File() { return ReadFile(layout::RepositoriesJson(dir_.path())); }
  testing::TestDir dir_;
  ReferenceStore refs_{dir_.path()};
};

TEST_F(ReferenceStoreTest, FileHasDockersExactShape) {
  refs_.Tag("hello", kA);
  EXPECT_EQ(File(), "{\"Repositories\":{\"hello\":{\"hello:latest\":\"sha256:" + std::string(64, 'a') + "\"}}}");
}

TEST_F(ReferenceStoreTest, TagMovesAndUntagRemovesEmptyRepositories) {
  refs_.Tag("hello:1", kA);
  refs_.Tag("hello:2", kA);
  refs_.Tag("hello:1", kB);
  EXPECT_EQ(refs_.Get("hello:1"), kB);
  EXPECT_EQ(refs_.TagsOf(kA), std::vector<std::string>{"hello:2"});
  EXPECT_TRUE(refs_.Untag("hello:1"));
  EXPECT_FALSE(refs_.Untag("hello:1"));
  EXPECT_TRUE(refs_.Untag("hello:2"));
  EXPECT_EQ(File(), "{\"Repositories\":{}}");
  EXPECT_EQ(refs_.Get("hello:2"), std::nullopt);
}

TEST_F(ReferenceStoreTest, RepoDigestsLiveBesideTagsButAreNotTags) {
  const Digest manifest = Digest::FromHex(std::string(64, 'c'));
  refs_.Tag("hello", kA);
  EXPECT_TRUE(refs_.AddDigest("hello", manifest, kA));
  EXPECT_FALSE(refs_.AddDigest("hello", manifest, kA));
  EXPECT_EQ(File(), "{\"Repositories\":{\"hello\":{\"hello:latest\":\"sha256:" + std::string(64, 'a') +
                        "\",\"hello@sha256:" + std::string(64, 'c') + "\":\"sha256:" + std::string(64, 'a') + "\"}}}");
  EXPECT_EQ(refs_.DigestsOf(kA), std::vector<std::string>{"hello@sha256:" + std::string(64, 'c')});
  EXPECT_EQ(refs_.All().size(), 1u);
  EXPECT_EQ(refs_.TagsOf(kA), std::vector<std::string>{"hello:latest"});
  EXPECT_EQ(refs_.GetDigest("hello", manifest), kA);
  EXPECT_EQ(refs_.GetDigest("hello", Digest::FromHex(std::string(64, 'd'))), std::nullopt);
  EXPECT_EQ(refs_.GetDigest("other", manifest), std::nullopt);
  refs_.RemoveDigestsOf({kA});
  EXPECT_TRUE(refs_.DigestsOf(kA).empty());
  EXPECT_EQ(refs_.GetDigest("hello", manifest), std::nullopt);
  EXPECT_EQ(refs_.TagsOf(kA), std::vector<std::string>{"hello:latest"});
}

TEST_F(ReferenceStoreTest, RemoveDigestsOfTakesSeveralImagesAndLeavesOthers) {
  const Digest kC = Digest::FromHex(std::string(64, 'c'));
  refs_.AddDigest("a", Digest::FromHex(std::string(64, '1')), kA);
  refs_.AddDigest("b", Digest::FromHex(std::string(64, '2')), kB);
  refs_.AddDigest("c", Digest::FromHex(std::string(64, '3')), kC);
  refs_.RemoveDigestsOf({kA, kC});
  EXPECT_TRUE(refs_.DigestsOf(kA).empty());
  EXPECT_TRUE(refs_.DigestsOf(kC).empty());
  EXPECT_EQ(refs_.DigestsOf(kB), std::vector<std::string>{"b@sha256:" + std::string(64, '2')});
}

TEST_F(ReferenceStoreTest, GetNormalizes) {
  refs_.Tag("docker.io/library/busybox", kA);
  EXPECT_EQ(refs_.Get("busybox"), kA);
  EXPECT_EQ(refs_.Get("busybox:latest"), kA);
  auto all = refs_.All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first, "busybox:latest");
}

TEST_F(ReferenceStoreTest, InvalidNameLeavesFileUntouched) {
  refs_.Tag("hello", kA);
  std::string before = File();
  EXPECT_THROW(refs_.Tag("Hello", kB), Error);
  EXPECT_EQ(File(), before);
}

TEST_F(ReferenceStoreTest, CorruptFileIsReportedWithItsPath) {
  WriteFileAtomic(layout::RepositoriesJson(dir_.path()), "{not json");
  try {
    refs_.Get("hello");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), layout::RepositoriesJson(dir_.path()).string());
  }
}

}  // namespace
}  // namespace ubuild::store
