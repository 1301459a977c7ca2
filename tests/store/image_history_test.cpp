#include "store/image_history.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

// A config without layers (so no layer records are needed).
std::string Config(const std::string& history) {
  return "{\"architecture\":\"amd64\",\"history\":" + history +
         ",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
}

class ImageHistoryTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  Store store_ = Store::Open(dir_.path() / "root", Store::Mode::kWrite);
};

TEST_F(ImageHistoryTest, NewestFirstWithIdsAlongTheParentChain) {
  std::string two = R"([{"created":"2020-01-01T00:00:00Z","created_by":"base","empty_layer":true},)"
                    R"({"created":"2020-01-02T00:00:00Z","created_by":"step","comment":"c","empty_layer":true}])";
  std::string three = two.substr(0, two.size() - 1) +
                      R"(,{"created":"2020-01-03T00:00:00Z","created_by":"top","empty_layer":true}])";
  Digest parent = store_.images().Put(Config(two));
  Digest child = store_.images().Put(Config(three), parent);
  auto rows = ImageHistory(store_, child);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].created_by, "top");
  EXPECT_EQ(rows[0].id, child);
  EXPECT_EQ(rows[1].created_by, "step");
  EXPECT_EQ(rows[1].comment, "c");
  EXPECT_EQ(rows[1].id, parent);
  EXPECT_EQ(rows[2].created_by, "base");
  EXPECT_FALSE(rows[2].id.has_value());
}

}  // namespace
}  // namespace ubuild::store
