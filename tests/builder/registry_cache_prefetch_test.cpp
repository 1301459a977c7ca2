// The layer a COPY's likely hit names, picked before its sources are
// hashed: the one cached step on the same parent whose history text differs
// from the COPY's only in the hash.
#include <gtest/gtest.h>

#include "builder/registry_cache_prefetch.h"

namespace ubuild::builder {
namespace {

store::Digest D(char c) { return store::Digest::Parse("sha256:" + std::string(64, c)); }

const std::string kHead = "/bin/sh -c #(nop) COPY ";
const std::string kTail = " in /files ";

store::ImageConfig Parent() {
  store::ImageConfig c = store::ImageConfig::Scratch();
  store::HistoryEntry base;
  base.created_by = "base";
  c.AddHistory(base);
  c.diff_ids().push_back(D('a'));
  return c;
}

// The parent plus a COPY that made `layer`, as the cache holds it.
std::string Step(const std::string& created_by, char layer, const store::ImageConfig& parent = Parent()) {
  store::ImageConfig c = parent;
  store::HistoryEntry copy;
  copy.created_by = created_by;
  c.AddHistory(copy);
  c.diff_ids().push_back(D(layer));
  return c.Serialize();
}

TEST(RegistryCachePrefetch, TheOneStepWithTheSameTextButTheHashIsLikely) {
  const std::map<store::Digest, std::string> steps = {{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b')},
                                                      {D('2'), Step("/bin/sh -c echo hi", 'c')}};
  EXPECT_EQ(LikelyLayer(steps, Parent(), kHead, kTail), D('b'));
}

TEST(RegistryCachePrefetch, AnotherDestinationFlagOrParentIsNotLikely) {
  EXPECT_FALSE(LikelyLayer({{D('1'), Step(kHead + "dir:0123abcd in /other ", 'b')}}, Parent(), kHead, kTail));
  EXPECT_FALSE(LikelyLayer({{D('1'), Step(kHead + "--chown=1 dir:0123abcd" + kTail, 'b')}}, Parent(), kHead, kTail));
  EXPECT_FALSE(LikelyLayer({{D('1'), Step(kHead + kTail, 'b')}}, Parent(), kHead, kTail));  // no hash at all
  store::ImageConfig other = Parent();
  other.diff_ids()[0] = D('e');
  EXPECT_FALSE(LikelyLayer({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', other)}}, Parent(), kHead, kTail));
}

TEST(RegistryCachePrefetch, TwoVersionsOfTheSourcesLeaveNoLikelyOne) {
  const std::map<store::Digest, std::string> steps = {{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b')},
                                                      {D('2'), Step(kHead + "dir:4567ef01" + kTail, 'c')}};
  EXPECT_FALSE(LikelyLayer(steps, Parent(), kHead, kTail));
}

TEST(RegistryCachePrefetch, ADamagedStepIsPassedOver) {
  const std::map<store::Digest, std::string> steps = {{D('1'), "{not json"},
                                                      {D('2'), Step(kHead + "dir:0123abcd" + kTail, 'b')}};
  EXPECT_EQ(LikelyLayer(steps, Parent(), kHead, kTail), D('b'));
}

}  // namespace
}  // namespace ubuild::builder
