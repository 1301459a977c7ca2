#include "store/image_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "store/base/error.h"
#include "store/container_config.h"
#include "store/go_json.h"
#include "store/rfc3339.h"
#include "store/source_date_epoch.h"
#include "tests/store/docker_fixture.h"

namespace ubuild::store {
namespace {

TEST(ImageConfig, ScratchHasDockersNullsAndOrder) {
  ImageConfig c = ImageConfig::Scratch();
  c.created = "2023-01-01T00:00:00Z";
  std::string s = c.Serialize();
  EXPECT_EQ(s.find(R"({"architecture":"amd64","config":{"Hostname":"","Domainname":"","User":"",)"), 0u) << s;
  EXPECT_NE(s.find(R"("Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,)"
                   R"("OnBuild":null,"Labels":null})"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find(R"("rootfs":{"type":"layers"})"), std::string::npos) << s;
  EXPECT_EQ(s.find("ExposedPorts"), std::string::npos);  // omitempty fields stay out
}

TEST(ImageConfig, RoundTripIsByteIdentical) {
  ImageConfig c = ImageConfig::Scratch();
  c.created = "2023-01-01T00:00:00Z";
  c.SetEnv("PATH", "/bin");
  c.config()["Labels"] = Json{{"b", "2"}, {"a", "1"}};
  c.diff_ids().push_back(Digest::Parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"));
  c.history().push_back({"2023-01-01T00:00:00Z", "/bin/sh -c #(nop)  ENV PATH=/bin", "", "", true});
  std::string once = c.Serialize();
  EXPECT_EQ(ImageConfig::Parse(once, "test").Serialize(), once);
}

// Docker's image.History: created, author, created_by, comment, empty_layer,
// all omitempty. A layer-making step has no empty_layer key at all, a
// config-only one "empty_layer":true last.
TEST(ImageConfig, HistoryEmptyLayerFollowsGoOmitempty) {
  ImageConfig c = ImageConfig::Scratch();
  c.created = "2023-01-01T00:00:00Z";
  c.history().push_back({"2023-01-01T00:00:00Z", "/bin/sh -c #(nop)  ENV A=1", "", "", true});
  c.history().push_back({"2023-01-01T00:00:01Z", "/bin/sh -c echo hi > /f", "", "", false});
  c.history().push_back({"2023-01-01T00:00:02Z", "/bin/sh -c #(nop)  CMD [\"sh\"]", "me", "why", true});
  const std::string history =
      R"("history":[{"created":"2023-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop)  ENV A=1","empty_layer":true},)"
      R"({"created":"2023-01-01T00:00:01Z","created_by":"/bin/sh -c echo hi \u003e /f"},)"
      R"({"created":"2023-01-01T00:00:02Z","author":"me","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]",)"
      R"("comment":"why","empty_layer":true}])";
  std::string bytes = c.Serialize();
  EXPECT_NE(bytes.find(history), std::string::npos) << bytes;

  const ImageConfig parsed = ImageConfig::Parse(bytes, "test");
  ASSERT_EQ(parsed.history().size(), 3u);
  EXPECT_TRUE(parsed.history()[0].empty_layer);
  EXPECT_FALSE(parsed.history()[1].empty_layer);
  EXPECT_TRUE(parsed.history()[2].empty_layer);
  EXPECT_EQ(parsed.Serialize(), bytes);
}

// A base written by another tool may spell out "empty_layer":false; it
// parses as false and is written back the way Docker would, without the key.
TEST(ImageConfig, ExplicitEmptyLayerFalseIsDropped) {
  std::string base = R"({"architecture":"amd64","os":"linux","config":{},"created":"x","rootfs":{"type":"layers",)"
                     R"("diff_ids":[]},"history":[{"created":"x","created_by":"a","empty_layer":false},)"
                     R"({"created":"x","created_by":"b","empty_layer":true}]})";
  ImageConfig c = ImageConfig::Parse(base, "base");
  ASSERT_EQ(c.history().size(), 2u);
  EXPECT_FALSE(c.history()[0].empty_layer);
  EXPECT_TRUE(c.history()[1].empty_layer);
  std::string out = c.Serialize();
  EXPECT_NE(out.find(R"("history":[{"created":"x","created_by":"a"},{"created":"x","created_by":"b","empty_layer":true}])"),
            std::string::npos)
      << out;
}

TEST(ImageConfig, KeepsUnknownFieldsOfABase) {
  std::string base = R"({"os":"linux","architecture":"amd64","variant":"v2","config":{"Env":["A=1"],"Future":7},)"
                     R"("rootfs":{"type":"layers","diff_ids":[]},"history":[],"created":"x"})";
  std::string out = ImageConfig::Parse(base, "base").Serialize();
  EXPECT_NE(out.find(R"("variant":"v2")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("Future":7)"), std::string::npos) << out;
}

// Serialize writes the config straight from the model; it must give the
// bytes of the stored copy, Go maps sorted at any depth, nested ones included,
// unmodelled fields in place, and Id() must hash exactly those bytes.
TEST(ImageConfig, ConfigWrittenInPlaceMatchesTheStoredCopy) {
  ImageConfig c = ImageConfig::Scratch();
  c.created = "2023-01-01T00:00:00Z";
  c.config()["Labels"] = Json{{"z<", "1"}, {"a", Json{{"y", 1}, {"b", Json::array({Json{{"q", 1}, {"c", 2}}})}}}};
  c.config()["Volumes"] = Json::object();
  c.config()["ExposedPorts"] = Json{{"80/tcp", Json::object()}, {"443/tcp", Json::object()}};
  c.config()["Healthcheck"] = Json{{"Test", {"CMD", "true"}}, {"Interval", 5}};
  c.config()["Future"] = Json{{"y", 1}, {"x", 2}};
  c.history().push_back({"2023-01-01T00:00:00Z", "/bin/sh -c #(nop)  LABEL a", "", "", true});
  std::string config_text;
  AppendStoredContainerConfig(config_text, c.config());
  EXPECT_EQ(config_text, GoJson(StoredContainerConfig(c.config())));
  std::string s = c.Serialize();
  EXPECT_NE(s.find("\"config\":" + config_text + ","), std::string::npos) << s;
  EXPECT_NE(s.find(R"("ExposedPorts":{"443/tcp":{},"80/tcp":{}})"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("Labels":{"a":{"b":[{"c":2,"q":1}],"y":1},"z\u003c":"1"})"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("Future":{"y":1,"x":2})"), std::string::npos) << s;
  EXPECT_EQ(c.Id(), Sha256Of(s));
  c.AddHistory({"2023-01-01T00:00:01Z", "/bin/sh -c #(nop)  LABEL b", "", "", true});
  EXPECT_EQ(c.Id(), Sha256Of(c.Serialize()));
  EXPECT_EQ(ImageConfig::Parse(c.Serialize(), "test").Id(), c.Id());
}

TEST(ImageConfig, GoMapMembersKeepGoOrder) {
  Json labels = Json::object();
  for (const char* key : {"key1", "key2", "key10", "a", "key2", "z"}) SetGoMapMember(labels, key, key);
  SetGoMapMember(labels, "key2", "again");
  EXPECT_EQ(GoJson(labels), R"({"a":"a","key1":"key1","key10":"key10","key2":"again","z":"z"})");
  // A map held out of order (as another writer left it) takes new keys at its end.
  Json unsorted = Json{{"b", "1"}, {"a", "2"}};
  SetGoMapMember(unsorted, "c", "3");
  SetGoMapMember(unsorted, "a", "4");
  EXPECT_EQ(GoJson(unsorted), R"({"b":"1","a":"4","c":"3"})");
}

TEST(ImageConfig, SetEnvReplacesInPlace) {
  ImageConfig c = ImageConfig::Scratch();
  c.SetEnv("A", "1");
  c.SetEnv("B", "2");
  c.SetEnv("A", "3");
  EXPECT_EQ(c.Env(), (std::vector<std::string>{"A=3", "B=2"}));
  EXPECT_EQ(c.GetEnv("A"), "3");
  EXPECT_FALSE(c.GetEnv("C").has_value());
}

TEST(ImageConfig, RejectsNonConfig) {
  EXPECT_THROW(ImageConfig::Parse("[1,2]", "x"), Error);
  EXPECT_THROW(ImageConfig::Parse("{not json", "x"), Error);
}

TEST(ImageConfig, CreatedFormat) {
  EXPECT_EQ(FormatRfc3339Nano(1672531200, 0), "2023-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(1672531200, 120000000), "2023-01-01T00:00:00.12Z");
  EXPECT_EQ(CreatedAt(1700000000), "2023-11-14T22:13:20Z");
}

TEST(ImageConfig, StoredBytesOfDockersImageRoundTrip) {
  // Docker's config of a RUN and an ENV on an imported base, without the
  // fields only the engine that ran the build writes: the bytes ubuild would
  // store for the same image, which parse and serialize back unchanged.
  Json docker = Json::parse(testing::DockerFixture("config-run.json"));
  for (const char* engine_field : {"container", "container_config", "docker_version"}) docker.erase(engine_field);
  std::string stored = GoJson(docker);
  ImageConfig c = ImageConfig::Parse(stored, "config-run.json");
  EXPECT_EQ(c.Serialize(), stored);
  ASSERT_EQ(c.history().size(), 3u);
  EXPECT_EQ(c.history()[1].created_by.find("/bin/sh -c echo '<a>&b \xC3\xA9"), 0u) << c.history()[1].created_by;
  EXPECT_NE(stored.find(R"(echo '\u003ca\u003e\u0026b)"), std::string::npos);
}

TEST(ImageConfig, SerializeEscapesAsDocker) {
  ImageConfig c = ImageConfig::Scratch();
  c.SetEnv("A", "x && y <z> \xE2\x80\xA8");
  c.history().push_back({"1970-01-01T00:00:00Z", "/bin/sh -c a && b", "", "", false});
  std::string s = c.Serialize();
  EXPECT_NE(s.find(R"("A=x \u0026\u0026 y \u003cz\u003e \u2028")"), std::string::npos) << s;
  EXPECT_NE(s.find(R"("created_by":"/bin/sh -c a \u0026\u0026 b")"), std::string::npos) << s;
  EXPECT_EQ(ImageConfig::Parse(s, "test").Serialize(), s);
}

TEST(ImageConfig, ReadsWhatTheEngineWroteWithoutWritingIt) {
  ImageConfig c = ImageConfig::Parse(testing::DockerFixture("config-import.json"), "config-import.json");
  EXPECT_EQ(c.comment, "msg <a>&b \xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(c.OtherString("docker_version"), "20.10.24+dfsg1");
  EXPECT_EQ(c.container_config().value("Hostname", "?"), "");
  ASSERT_EQ(c.diff_ids().size(), 1u);
  EXPECT_EQ(c.diff_ids()[0].str(), "sha256:131101c191cdc4627d29abadaf4bde1aa0920c813829e39a5d25cad066020c2a");
  EXPECT_TRUE(c.Held("config", Json::value_t::object));
  EXPECT_FALSE(c.Held("author", Json::value_t::string));
  std::string out = c.Serialize();
  EXPECT_EQ(out.find("docker_version"), std::string::npos);
  EXPECT_EQ(out.find("container_config"), std::string::npos);
}

// Docker's config as ubuild stores the same image: without the fields only
// the engine that ran the build writes.
std::string StoredByUbuild(const std::string& fixture) {
  Json docker = Json::parse(testing::DockerFixture(fixture));
  for (const char* engine_field : {"container", "container_config", "docker_version"}) docker.erase(engine_field);
  return GoJson(docker);
}

// `parent` after the last step of Docker's build of `fixture`, made the way
// CommitStep makes it, given the container config the step left.
std::string CommitLikeDocker(ImageConfig parent, const std::string& fixture, const Json& config) {
  Json docker = Json::parse(testing::DockerFixture(fixture));
  parent.BecomeChild();
  parent.config() = config;
  const Json& h = docker["history"].back();
  parent.history().push_back({h["created"], h["created_by"], "", "", h.value("empty_layer", false)});
  parent.created = docker["created"];
  return parent.Serialize();
}

// FROM scratch + ENV A=1: Docker's RootFS.DiffIDs is omitempty, so a config
// with no layers has a rootfs without "diff_ids".
TEST(ImageConfig, NoLayersWritesRootfsWithoutDiffIdsAsDocker) {
  const std::string docker = StoredByUbuild("config-scratch-env.json");
  ImageConfig c = ImageConfig::Scratch();
  c.SetEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  c.SetEnv("A", "1");
  EXPECT_EQ(CommitLikeDocker(c, "config-scratch-env.json", c.config()), docker);
  EXPECT_EQ(ImageConfig::Parse(docker, "config-scratch-env.json").Serialize(), docker);
}

// LABEL b=1 a=2 B=3 a.b=4 a-b=5, EXPOSE 90 80/udp 8080 9000/tcp 10,
// VOLUME /z /a /Z /a/b: Go marshals Labels, ExposedPorts and Volumes as maps,
// keys sorted by their bytes, whatever order the Dockerfile set them in.
TEST(ImageConfig, GoMapsAreWrittenWithSortedKeysAsDocker) {
  const std::string docker = StoredByUbuild("config-maps.json");
  Json config = Json::parse(docker)["config"];
  config["Labels"] = Json{{"b", "1"}, {"a", "2"}, {"B", "3"}, {"a.b", "4"}, {"a-b", "5"}};
  config["ExposedPorts"] = Json{{"90/tcp", Json::object()}, {"80/udp", Json::object()},
                                {"8080/tcp", Json::object()}, {"9000/tcp", Json::object()},
                                {"10/tcp", Json::object()}};
  config["Volumes"] = Json{{"/z", Json::object()}, {"/a", Json::object()}, {"/Z", Json::object()},
                           {"/a/b", Json::object()}};
  ImageConfig c = ImageConfig::Parse(docker, "config-maps.json");
  c.history().pop_back();
  EXPECT_EQ(CommitLikeDocker(c, "config-maps.json", config), docker);
}

// A label the base set, overridden by the Dockerfile and by --label (one
// LABEL step per --label, in key order): the child's Labels come out sorted,
// the overridden keys at their sorted place.
TEST(ImageConfig, OverriddenAndCommandLineLabelsAreSortedAsDocker) {
  const std::string docker = StoredByUbuild("config-label-child.json");
  ImageConfig c = ImageConfig::Parse(StoredByUbuild("config-label-base.json"), "config-label-base.json");
  Json config = c.config();
  for (auto [k, v] : {std::pair{"b", "child"}, {"a", "1"}, {"b", "cli"}, {"c", "cli2"}, {"q", "cli"}}) {
    config["Labels"][k] = v;
  }
  const Json child = Json::parse(docker);
  config["Image"] = child["config"]["Image"];
  // The steps between the base's LABEL and the last --label one.
  for (size_t i = 1; i + 1 < child["history"].size(); ++i) {
    const Json& h = child["history"][i];
    c.history().push_back({h["created"], h["created_by"], "", "", true});
  }
  EXPECT_EQ(CommitLikeDocker(c, "config-label-child.json", config), docker);
}

// FROM an imported base (docker import -m 'imported base') + ENV A=1:
// Docker's image.NewChildImage does not carry the base's top-level comment
// into the child; the base's history entry keeps it.
TEST(ImageConfig, ChildOfAnImportedBaseHasNoCommentAsDocker) {
  const std::string docker = StoredByUbuild("config-import-child.json");
  ImageConfig base = ImageConfig::Parse(testing::DockerFixture("config-import-base.json"), "config-import-base.json");
  ASSERT_EQ(base.comment, "imported base");
  Json config = base.config();
  config["Env"] = Json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1"});
  config["Image"] = Json::parse(docker)["config"]["Image"];
  EXPECT_EQ(CommitLikeDocker(base, "config-import-child.json", config), docker);
}

TEST(ImageConfig, DiffIdsAreCheckedWhereverRead) {
  EXPECT_TRUE(ParseDiffIds(std::string(R"({"rootfs":{"type":"layers"}})"), "x").empty());
  EXPECT_TRUE(ParseDiffIds(std::string(R"({"rootfs":{"type":"layers","diff_ids":null}})"), "x").empty());
  EXPECT_TRUE(ParseDiffIds(std::string(R"({})"), "x").empty());
  for (const char* bad : {R"({"rootfs":{"diff_ids":"sha256:00"}})", R"({"rootfs":{"diff_ids":[7]}})",
                          R"({"rootfs":{"diff_ids":["sha256:00"]}})", R"({"rootfs":[]})", "[]", "{"}) {
    EXPECT_THROW(ParseDiffIds(std::string(bad), "x"), Error) << bad;
    if (std::string(bad) != "{") {
      EXPECT_THROW(ImageConfig::Parse(bad, "x"), Error) << bad;
    }
  }
}

TEST(ContainerConfig, OneTableForStoreAndInspect) {
  Json in = {{"Cmd", {"sh"}}, {"Future", 7}, {"ExposedPorts", Json::object()}, {"StopTimeout", 0},
             {"Healthcheck", Json::object()}, {"Hostname", "h"}};
  Json stored = StoredContainerConfig(in);
  // omitempty values go when empty; Go pointers (StopTimeout, Healthcheck) only when null.
  EXPECT_FALSE(stored.contains("ExposedPorts"));
  EXPECT_EQ(stored["StopTimeout"], 0);
  EXPECT_EQ(stored["Healthcheck"], Json::object());
  EXPECT_EQ(stored.begin().key(), "Hostname");
  EXPECT_EQ((--stored.end()).key(), "Future");  // unknown fields kept, at the end
  Json inspected = InspectedContainerConfig(stored);
  EXPECT_FALSE(inspected.contains("Future"));
  EXPECT_EQ(inspected.size(), stored.size() - 1);
  EXPECT_EQ(GoJson(InspectedContainerConfig(nullptr)), GoJson(StoredContainerConfig(nullptr)));
}

TEST(ContainerConfig, StoredGoMapsHaveKeysInByteOrder) {
  Json in = {{"Labels", {{"b", "1"}, {"a", "2"}, {"B", "3"}, {"\xC3\xA9", "4"}, {"a-b", "5"}}},
             {"Healthcheck", {{"Test", {"CMD", "true"}}, {"Interval", 1}}}};
  Json stored = StoredContainerConfig(in);
  EXPECT_EQ(GoJson(stored["Labels"]), "{\"B\":\"3\",\"a\":\"2\",\"a-b\":\"5\",\"b\":\"1\",\"\xC3\xA9\":\"4\"}");
  // Healthcheck is a Go struct: its fields keep their order.
  EXPECT_EQ(stored["Healthcheck"].begin().key(), "Test");
}

TEST(SourceDateEpoch, OneSetOfRules) {
  EXPECT_EQ(SourceDateEpoch(std::string("0")), 0);
  EXPECT_EQ(SourceDateEpoch(std::string("1700000000")), 1700000000);
  EXPECT_EQ(SourceDateEpoch(std::string("")), std::nullopt);
  for (const char* bad : {"yesterday", "-1", "+5", " 5", "5 ", "1.5", "1234567890123456789"}) {
    try {
      SourceDateEpoch(std::string(bad));
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("SOURCE_DATE_EPOCH"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(SourceDateEpoch, GivenValueWinsOverTheEnvironment) {
  ::setenv("SOURCE_DATE_EPOCH", "12", 1);
  EXPECT_EQ(SourceDateEpoch(), 12);
  EXPECT_EQ(SourceDateEpoch(std::string("34")), 34);
  EXPECT_EQ(SourceDateEpoch(std::string("")), std::nullopt);
  ::setenv("SOURCE_DATE_EPOCH", "", 1);
  EXPECT_EQ(SourceDateEpoch(), std::nullopt);
  ::setenv("SOURCE_DATE_EPOCH", "soon", 1);
  EXPECT_THROW(SourceDateEpoch(), Error);
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(SourceDateEpoch(), std::nullopt);
}

}  // namespace
}  // namespace ubuild::store
