// The steps of the --cache-from caches, parsed once: the layer a COPY's
// likely hit names, picked before its sources are hashed (the one cached
// step on the same parent whose history text differs from the COPY's only
// in the hash), and the steps a lost layer drops.
#include <gtest/gtest.h>

#include "builder/registry_cache_steps.h"
#include "store/base/error.h"

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

CacheSteps Steps(const std::map<store::Digest, std::string>& configs) {
  CacheSteps steps;
  for (const auto& [key, config] : configs) steps.Add(key, CacheSteps::Read(config, "step " + key.str()));
  return steps;
}

std::optional<store::Digest> Likely(const std::map<store::Digest, std::string>& configs,
                                    const store::ImageConfig& parent = Parent()) {
  return Steps(configs).LikelyLayer(parent, kHead, kTail);
}

TEST(RegistryCacheSteps, TheOneStepWithTheSameTextButTheHashIsLikely) {
  EXPECT_EQ(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b')}, {D('2'), Step("/bin/sh -c echo hi", 'c')}}),
            D('b'));
}

TEST(RegistryCacheSteps, AnotherDestinationFlagOrParentIsNotLikely) {
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + "dir:0123abcd in /other ", 'b')}}));
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + "--chown=1 dir:0123abcd" + kTail, 'b')}}));
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + kTail, 'b')}}));  // no hash at all
  store::ImageConfig other = Parent();
  other.diff_ids()[0] = D('e');
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', other)}}));
  // The same top layer on another layer below it: another parent.
  store::ImageConfig two = Parent();
  two.diff_ids().push_back(D('f'));
  store::ImageConfig two_other = two;
  two_other.diff_ids()[0] = D('e');
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', two_other)}}, two));
  EXPECT_EQ(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', two)}}, two), D('b'));
  // The same layers below, but another history: another parent.
  store::ImageConfig longer = Parent();
  longer.AddHistory(store::HistoryEntry{"", "ENV A=1", "", "", true});
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', longer)}}));
  EXPECT_EQ(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', longer)}}, longer), D('b'));
  // No layer below: the first step of a FROM scratch stage.
  EXPECT_EQ(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b', store::ImageConfig::Scratch())}},
                   store::ImageConfig::Scratch()),
            D('b'));
}

TEST(RegistryCacheSteps, TwoVersionsOfTheSourcesLeaveNoLikelyOne) {
  EXPECT_FALSE(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b')}, {D('2'), Step(kHead + "dir:4567ef01" + kTail, 'c')}}));
  // Two keys (another cache's) for the same layer are one version.
  EXPECT_EQ(Likely({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b')}, {D('2'), Step(kHead + "dir:0123abcd" + kTail, 'b')}}),
            D('b'));
}

TEST(RegistryCacheSteps, ADamagedStepIsPassedOver) {
  // Its layers read, the rest not a config: never likely, but a lost layer still drops it.
  const std::string damaged = R"({"author":7,"rootfs":{"type":"layers","diff_ids":[")" + D('a').str() + R"(",")" +
                              D('c').str() + R"("]},"history":[{"created_by":"base"},{"created_by":")" + kHead +
                              "dir:4567ef01" + kTail + R"("}]})";
  CacheSteps steps = Steps({{D('1'), damaged}, {D('2'), Step(kHead + "dir:0123abcd" + kTail, 'b')}});
  EXPECT_EQ(steps.LikelyLayer(Parent(), kHead, kTail), D('b'));
  ASSERT_NE(steps.Find(D('1')), nullptr);
  EXPECT_EQ(steps.Find(D('1'))->config, damaged);
  steps.DropWithLayer(D('c'));
  EXPECT_EQ(steps.Find(D('1')), nullptr);
  EXPECT_NE(steps.Find(D('2')), nullptr);
  // Layers that are not digests: the cache is not used.
  EXPECT_THROW(CacheSteps::Read(R"({"rootfs":{"type":"layers","diff_ids":["nope"]}})", "step"), Error);
  EXPECT_THROW(CacheSteps::Read("{not json", "step"), Error);
}

TEST(RegistryCacheSteps, ALostLayerDropsTheStepsWhoseImageHasIt) {
  const store::ImageConfig above = store::ImageConfig::Parse(Step("/bin/sh -c echo hi", 'c'), "above");
  CacheSteps steps = Steps({{D('1'), Step(kHead + "dir:0123abcd" + kTail, 'b')},
                            {D('2'), Step(kHead + "dir:89abcdef" + kTail, 'd', above)},
                            {D('3'), Step("/bin/sh -c echo hi", 'c')}});
  EXPECT_EQ(steps.LikelyLayer(above, kHead, kTail), D('d'));
  steps.DropWithLayer(D('c'));
  EXPECT_EQ(steps.Find(D('3')), nullptr);
  EXPECT_EQ(steps.Find(D('2')), nullptr);
  EXPECT_FALSE(steps.LikelyLayer(above, kHead, kTail));
  EXPECT_EQ(steps.LikelyLayer(Parent(), kHead, kTail), D('b'));
  // The base's layer: every step goes.
  steps.DropWithLayer(D('a'));
  EXPECT_EQ(steps.Find(D('1')), nullptr);
  EXPECT_FALSE(steps.LikelyLayer(Parent(), kHead, kTail));
}

TEST(RegistryCacheSteps, TheFirstCacheToListAKeyWins) {
  CacheSteps steps;
  steps.Add(D('1'), CacheSteps::Read(Step(kHead + "dir:0123abcd" + kTail, 'b'), "first"));
  steps.Add(D('1'), CacheSteps::Read(Step(kHead + "dir:0123abcd" + kTail, 'c'), "second"));
  ASSERT_NE(steps.Find(D('1')), nullptr);
  EXPECT_EQ(steps.Find(D('1'))->diff_ids.back(), D('b'));
  EXPECT_EQ(steps.LikelyLayer(Parent(), kHead, kTail), D('b'));
}

}  // namespace
}  // namespace ubuild::builder
