#include "store/layout.h"

#include <gtest/gtest.h>

namespace ubuild::store {
namespace {

// The paths Docker's overlay2 store uses; callers used to spell these out.
TEST(Layout, NamesTheBuildCacheAndStagingPaths) {
  const std::filesystem::path root = "/r";
  const Digest d = Digest::FromHex("5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
  const std::string hex = d.hex();
  EXPECT_EQ(layout::BuildCacheDir(root), "/r/image/overlay2/buildcache");
  EXPECT_EQ(layout::BuildCacheEntry(root, d), "/r/image/overlay2/buildcache/" + hex);
  EXPECT_EQ(layout::ContextDigestCacheDir(root), "/r/image/overlay2/buildcache/context");
  EXPECT_EQ(layout::LayerFile(root, d, layout::kLayerSizeFile), "/r/image/overlay2/layerdb/sha256/" + hex + "/size");
  EXPECT_EQ(layout::LayerStaging(root, "abc"), "/r/image/overlay2/layerdb/tmp/abc");
  EXPECT_EQ(layout::LayerRemoval(root, d), "/r/image/overlay2/layerdb/tmp/rm-" + hex);
  EXPECT_EQ(layout::CacheMerged(root, "abc"), "/r/overlay2/abc/merged");
  EXPECT_EQ(layout::LayerFile("/r/", d, "diff"), layout::LayerDir(root, d) / "diff");  // a trailing '/' on root
}

}  // namespace
}  // namespace ubuild::store
