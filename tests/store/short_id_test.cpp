#include <gtest/gtest.h>

#include "store/digest.h"

namespace ubuild::store {
namespace {

TEST(ShortId, TwelveHexDigitsWithOrWithoutThePrefix) {
  const std::string hex = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
  EXPECT_EQ(ShortId("sha256:" + hex), "5f70bf18a086");
  EXPECT_EQ(ShortId(hex), "5f70bf18a086");
  EXPECT_EQ(ShortId("abc"), "abc");
  EXPECT_EQ(ShortId("sha256:"), "");
}

}  // namespace
}  // namespace ubuild::store
