#include "store/image_listing.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

// A config without layers (so no layer records are needed), created at `created`.
std::string Config(const std::string& created, const std::string& history = "[]") {
  return "{\"architecture\":\"amd64\",\"created\":\"" + created + "\",\"history\":" + history +
         ",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
}

std::vector<std::string> Names(const std::vector<ImageListingRow>& rows) {
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.repository + ":" + r.tag);
  return names;
}

class ImageListingTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  Store store_ = Store::Open(dir_.path() / "root", Store::Mode::kWrite);
};

TEST_F(ImageListingTest, OneRowPerTagNewestFirst) {
  Digest old_image = store_.images().Put(Config("2020-01-01T00:00:00Z"));
  Digest new_image = store_.images().Put(Config("2021-01-01T00:00:00Z"));
  store_.refs().Tag("old", old_image);
  store_.refs().Tag("new:b", new_image);
  store_.refs().Tag("new:a", new_image);
  auto rows = ListImages(store_, {});
  EXPECT_EQ(Names(rows), (std::vector<std::string>{"new:a", "new:b", "old:latest"}));
  EXPECT_EQ(rows[0].id, new_image);
  EXPECT_EQ(rows[0].created, "2021-01-01T00:00:00Z");
  EXPECT_EQ(rows[2].size, 0u);
}

TEST_F(ImageListingTest, UntaggedParentsHiddenUnlessAll) {
  Digest parent = store_.images().Put(Config("2020-01-01T00:00:00Z"));
  Digest child = store_.images().Put(Config("2020-01-02T00:00:00Z"), parent);
  Digest dangling = store_.images().Put(Config("2020-01-03T00:00:00Z"));
  store_.refs().Tag("app", child);
  auto rows = ListImages(store_, {});
  EXPECT_EQ(Names(rows), (std::vector<std::string>{"<none>:<none>", "app:latest"}));
  EXPECT_EQ(rows[0].id, dangling);
  ImageListingFilter all;
  all.all = true;
  EXPECT_EQ(Names(ListImages(store_, all)), (std::vector<std::string>{"<none>:<none>", "app:latest", "<none>:<none>"}));
}

TEST_F(ImageListingTest, FilterByRepositoryAndTag) {
  Digest a = store_.images().Put(Config("2020-01-01T00:00:00Z"));
  store_.images().Put(Config("2020-01-02T00:00:00Z"));  // untagged: never matches a filter
  store_.refs().Tag("app:1", a);
  store_.refs().Tag("app:2", a);
  store_.refs().Tag("other:1", a);
  EXPECT_EQ(Names(ListImages(store_, ImageListingFilter::FromReference("app"))),
            (std::vector<std::string>{"app:1", "app:2"}));
  EXPECT_EQ(Names(ListImages(store_, ImageListingFilter::FromReference("app:2"))), (std::vector<std::string>{"app:2"}));
  EXPECT_TRUE(ListImages(store_, ImageListingFilter::FromReference("none")).empty());
}

}  // namespace
}  // namespace ubuild::store
