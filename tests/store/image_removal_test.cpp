#include "store/image_removal.h"

#include <gtest/gtest.h>

#include "store/layout.h"
#include "store/store.h"
#include "tests/store/store_test_dir.h"

namespace ubuild::store {
namespace {

namespace fs = std::filesystem;

std::string Config(const std::string& name) {
  return R"({"rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"n":")" + name + R"("}}})";
}

class ImageRemovalTest : public ::testing::Test {
 protected:
  testing::TestDir dir_;
  Store s_ = Store::Open(dir_.path() / "root", Store::Mode::kWrite);
};

TEST_F(ImageRemovalTest, TakesTheBareParentsUpToOneThatIsStillNeeded) {
  const Digest base = s_.images().Put(Config("base"));
  const Digest shared = s_.images().Put(Config("shared"), base);
  const Digest other = s_.images().Put(Config("other"), shared);
  const Digest step1 = s_.images().Put(Config("step1"), shared);
  const Digest step2 = s_.images().Put(Config("step2"), step1);
  const Digest top = s_.images().Put(Config("top"), step2);
  s_.refs().AddDigest("top", Digest::FromHex(std::string(64, '1')), top);
  s_.refs().AddDigest("other", Digest::FromHex(std::string(64, '2')), other);

  EXPECT_EQ(DeleteImageAndBareParents(s_, top), (std::vector<Digest>{top, step2, step1}));
  std::vector<Digest> left{base, shared, other};
  std::sort(left.begin(), left.end());
  EXPECT_EQ(s_.images().List(), left);
  for (const Digest& gone : {top, step2, step1}) {
    EXPECT_FALSE(fs::exists(layout::ImageMetadataDir(s_.root(), gone))) << gone.str();
  }
  EXPECT_TRUE(s_.refs().DigestsOf(top).empty());
  EXPECT_EQ(s_.refs().DigestsOf(other).size(), 1u);
}

TEST_F(ImageRemovalTest, ATaggedParentStays) {
  const Digest base = s_.images().Put(Config("base"));
  const Digest mid = s_.images().Put(Config("mid"), base);
  const Digest top = s_.images().Put(Config("top"), mid);
  s_.refs().Tag("mid", mid);
  EXPECT_EQ(DeleteImageAndBareParents(s_, top), std::vector<Digest>{top});
  s_.refs().Untag("mid");
  EXPECT_EQ(DeleteImageAndBareParents(s_, mid), (std::vector<Digest>{mid, base}));
  EXPECT_TRUE(s_.images().List().empty());
}

}  // namespace
}  // namespace ubuild::store
