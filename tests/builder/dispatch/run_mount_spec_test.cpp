#include "builder/dispatch/run_mount_spec.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

namespace ubuild::builder {
namespace {

std::string ErrorOf(std::string_view v) {
  try {
    ParseRunMount(v, "/");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RunMountSpec, BindIsTheDefaultTypeAndReadOnly) {
  RunMountSpec m = ParseRunMount("target=/src,source=app", "/");
  EXPECT_EQ(m.type, MountType::kBind);
  EXPECT_EQ(m.target, "/src");
  EXPECT_EQ(m.source, "app");
  EXPECT_TRUE(m.readonly);
  EXPECT_FALSE(ParseRunMount("type=bind,target=/src,rw", "/").readonly);
  EXPECT_FALSE(ParseRunMount("type=bind,target=/src,readwrite=true", "/").readonly);
  EXPECT_TRUE(ParseRunMount("type=bind,target=/src,rw=false", "/").readonly);
}

TEST(RunMountSpec, AliasesAndFrom) {
  RunMountSpec m = ParseRunMount("type=bind,from=build,src=/out,dst=/in", "/");
  EXPECT_EQ(m.from, "build");
  EXPECT_EQ(m.source, "/out");
  EXPECT_EQ(m.target, "/in");
  EXPECT_EQ(ParseRunMount("destination=/x", "/").target, "/x");
}

TEST(RunMountSpec, RelativeTargetJoinsWorkdir) {
  EXPECT_EQ(ParseRunMount("type=tmpfs,target=cache/../tmp", "/app").target, "/app/tmp");
  EXPECT_EQ(ParseRunMount("type=tmpfs,target=/a//b/", "/app").target, "/a/b");
}

TEST(RunMountSpec, CacheDefaults) {
  RunMountSpec m = ParseRunMount("type=cache,target=/root/.cache", "/");
  EXPECT_EQ(m.id, "/root/.cache");
  EXPECT_EQ(m.sharing, CacheSharing::kShared);
  EXPECT_FALSE(m.readonly);
  EXPECT_FALSE(m.mode.has_value());
  m = ParseRunMount("type=cache,id=go,target=/c,sharing=locked,mode=0700,uid=1000,gid=100", "/");
  EXPECT_EQ(m.id, "go");
  EXPECT_EQ(m.sharing, CacheSharing::kLocked);
  EXPECT_EQ(*m.mode, 0700u);
  EXPECT_EQ(*m.uid, 1000u);
  EXPECT_EQ(*m.gid, 100u);
  EXPECT_EQ(ParseRunMount("type=cache,target=/c,sharing=private", "/").sharing, CacheSharing::kPrivate);
}

TEST(RunMountSpec, TmpfsSize) {
  EXPECT_FALSE(ParseRunMount("type=tmpfs,target=/t", "/").size.has_value());
  EXPECT_EQ(*ParseRunMount("type=tmpfs,target=/t,size=64m", "/").size, 64u << 20);
  EXPECT_EQ(*ParseRunMount("type=tmpfs,target=/t,size=1GiB", "/").size, 1u << 30);
  EXPECT_EQ(*ParseRunMount("type=tmpfs,target=/t,size=4096", "/").size, 4096u);
  EXPECT_EQ(ErrorOf("type=tmpfs,target=/t,size=12q"), "invalid value for size: 12q");
}

TEST(RunMountSpec, SecretIdAndTargetDefaultEachOther) {
  RunMountSpec m = ParseRunMount("type=secret,id=token", "/");
  EXPECT_EQ(m.target, "/run/secrets/token");
  EXPECT_FALSE(m.required);
  m = ParseRunMount("type=secret,target=/etc/key.pem,required", "/");
  EXPECT_EQ(m.id, "key.pem");
  EXPECT_TRUE(m.required);
  // env= alone: the value goes to the variable, no file.
  m = ParseRunMount("type=secret,id=tok,env=TOKEN", "/");
  EXPECT_EQ(m.env, "TOKEN");
  EXPECT_EQ(m.target, "");
  EXPECT_EQ(ParseRunMount("type=secret,id=t,env=T,target=/t", "/").target, "/t");
  EXPECT_EQ(*ParseRunMount("type=secret,id=t,mode=0444,uid=1", "/").mode, 0444u);
}

TEST(RunMountSpec, SshDefaults) {
  RunMountSpec m = ParseRunMount("type=ssh", "/");
  EXPECT_EQ(m.id, "default");
  EXPECT_EQ(m.target, "");
  EXPECT_TRUE(ParseRunMount("type=ssh,id=gh,required=true", "/").required);
}

TEST(RunMountSpec, ValuesAreExpandedAfterSplitting) {
  const MountValueExpander expand = [](const std::string& v) { return v == "$D" ? std::string("/a,b") : v; };
  RunMountSpec m = ParseRunMount("type=tmpfs,target=$D", "/", expand);
  EXPECT_EQ(m.target, "/a,b");
}

TEST(RunMountSpec, QuotedFields) {
  EXPECT_EQ(ParseRunMount("type=bind,\"source=a,b\",target=/t", "/").source, "a,b");
  EXPECT_EQ(ErrorOf("type=bind,\"source=a,target=/t"), "unterminated quote in mount value");
}

TEST(RunMountSpec, BadInput) {
  EXPECT_EQ(ErrorOf("type=volume,target=/x"), "unsupported mount type \"volume\"");
  EXPECT_EQ(ErrorOf("type=bind,target=/x,colour=red"), "unexpected key 'colour' in 'colour=red'");
  // A key valid for one type is unexpected for another.
  EXPECT_EQ(ErrorOf("type=tmpfs,target=/x,from=a"), "unexpected key 'from' in 'from=a'");
  EXPECT_EQ(ErrorOf("type=bind,target=/x,required"), "unexpected key 'required' in 'required'");
  EXPECT_EQ(ErrorOf("type=cache,target=/x,sharing=all"), "unsupported sharing value \"all\"");
  EXPECT_EQ(ErrorOf("type=cache,target=/x,mode=0999"), "invalid value for mode: 0999");
  EXPECT_EQ(ErrorOf("type=cache,target=/x,uid=-1"), "invalid value for uid: -1");
  EXPECT_EQ(ErrorOf("type=bind,target=/x,ro=maybe"), "invalid value for ro: maybe");
  EXPECT_EQ(ErrorOf("type=cache"), "mount type cache needs a target");
  EXPECT_EQ(ErrorOf("type=tmpfs,target=/"), "invalid mount target \"/\"");
  EXPECT_EQ(ErrorOf("type=secret"), "secret mount needs an id or a target");
  EXPECT_EQ(ErrorOf("type=cache,target=/x,id"), "invalid field 'id' must be a key=value pair");
}

TEST(RunMountSpec, FromsNameTheStagesARunNeeds) {
  EXPECT_EQ(RunMountFroms({"type=bind,from=build,target=/b", "type=cache,target=/c,from=deps", "type=tmpfs,target=/t",
                           "type=volume,from=bad"}),
            (std::vector<std::string>{"build", "deps"}));
}

TEST(RunMountSpec, KeyTextHasEveryOptionAndNoSecretContent) {
  EXPECT_EQ(RunMountKeyText(ParseRunMount("type=cache,id=go,target=/c,sharing=locked,mode=0700", "/")),
            "type=cache,target=/c,id=go,sharing=locked,mode=448");
  EXPECT_EQ(RunMountKeyText(ParseRunMount("type=bind,source=a,target=/t", "/")), "type=bind,target=/t,source=a,ro");
  EXPECT_NE(RunMountKeyText(ParseRunMount("type=bind,source=a,target=/t,rw", "/")),
            RunMountKeyText(ParseRunMount("type=bind,source=a,target=/t", "/")));
}

}  // namespace
}  // namespace ubuild::builder
