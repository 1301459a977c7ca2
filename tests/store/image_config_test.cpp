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
