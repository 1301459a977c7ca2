#include "store/image_config.h"

#include <gtest/gtest.h>

#include "store/base/error.h"

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
  EXPECT_NE(s.find(R"("rootfs":{"type":"layers","diff_ids":[]})"), std::string::npos) << s;
  EXPECT_EQ(s.find("ExposedPorts"), std::string::npos);  // omitempty fields stay out
}

TEST(ImageConfig, RoundTripIsByteIdentical) {
  ImageConfig c = ImageConfig::Scratch();
  c.created = "2023-01-01T00:00:00Z";
  c.SetEnv("PATH", "/bin");
  c.config()["Labels"] = Json{{"b", "2"}, {"a", "1"}};
  c.diff_ids().push_back("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
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
      R"({"created":"2023-01-01T00:00:01Z","created_by":"/bin/sh -c echo hi > /f"},)"
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
  EXPECT_EQ(FormatCreated(1672531200, 0), "2023-01-01T00:00:00Z");
  EXPECT_EQ(FormatCreated(1672531200, 120000000), "2023-01-01T00:00:00.12Z");
}

}  // namespace
}  // namespace ubuild::store
